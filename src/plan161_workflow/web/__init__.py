"""``plan161 serve``: the HTTP API and the web pages, on the engine's public API.

``create_app(engine)`` returns an ASGI application; ``plan161 serve --db DB`` runs it with uvicorn.
"""

from plan161_workflow.web.app import create_app

__all__ = ["create_app"]
