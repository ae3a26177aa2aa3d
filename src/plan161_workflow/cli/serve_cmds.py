"""``plan161 serve`` (the HTTP API and web pages) and ``plan161 tokens`` (who may call it)."""

from __future__ import annotations

import click

from plan161_workflow.cli.base import DB_OPTION, TEXT, cli, open_engine


@cli.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8161, show_default=True, type=click.IntRange(0, 65535), help="TCP port."
)
@click.option(
    "--trust-agency-header",
    "trusted_header",
    metavar="NAME",
    help="Trust this request header (set by a reverse proxy after single sign-on) to name the "
    "calling agency instead of a token. Off by default: only safe when nothing but the proxy "
    "can reach the server (see docs/serve.md).",
)
@click.option(
    "--secure-cookie/--no-secure-cookie",
    default=False,
    show_default=True,
    help="Send the pages' session cookie over HTTPS only (turn on behind TLS).",
)
def serve(db: str, host: str, port: int, trusted_header: str | None, secure_cookie: bool) -> int:
    """Serve the HTTP API (/api, OpenAPI at /openapi.json, docs at /docs) and the web pages (/)
    on the database of --db until interrupted.

    Clients send 'Authorization: Bearer <token>' (plan161 tokens create); people sign in to the
    pages with the same token.
    """
    import uvicorn  # imported here: the other commands need no web server

    from plan161_workflow.web import create_app

    engine = open_engine(db, read_only=False)
    try:
        app = create_app(engine, trusted_header=trusted_header, secure_cookie=secure_cookie)
        click.echo(f"serving {db} on http://{host}:{port}/ (Ctrl+C stops)", err=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        engine.close()
    return 0


@cli.group()
def tokens() -> None:
    """Create, list and revoke the API tokens of agencies (stored hashed)."""


@tokens.command("create")
@DB_OPTION
@click.option("--agency", required=True, type=TEXT, help="Agency code the token acts as.")
@click.option("--read-only", is_flag=True, help="The token may read but never change anything.")
@click.option("--label", type=TEXT, help="What the token is for (free text).")
def tokens_create(db: str, agency: str, read_only: bool, label: str | None) -> int:
    """Create a token for --agency and print it alone on the last line.

    It is shown this once: only its hash is stored.
    """
    with open_engine(db, read_only=False) as engine:
        info, token = engine.create_token(agency, read_only=read_only, label=label or "")
    mode = "read-only" if info.read_only else "read-write"
    click.echo(f"token {info.id} for {info.agency} ({mode}); keep it secret, it is shown once:")
    click.echo(token)
    return 0


@tokens.command("list")
@DB_OPTION
def tokens_list(db: str) -> int:
    """List every token: id, agency, read-only or not, created, revoked (never the secret)."""
    with open_engine(db, read_only=True) as engine:
        found = engine.tokens()
    if not found:
        click.echo("no tokens; create one with: plan161 tokens create --db DB --agency CODE")
    for t in found:
        mode = "read-only" if t.read_only else "read-write"
        state = f"revoked {t.revoked_at}" if t.revoked_at else "valid"
        label = f"  {t.label}" if t.label else ""
        click.echo(f"{t.id}  {t.agency}  {mode}  created {t.created_at}  {state}{label}")
    return 0


@tokens.command("revoke")
@DB_OPTION
@click.argument("token_id")
def tokens_revoke(db: str, token_id: str) -> int:
    """Revoke the token TOKEN_ID (its 8-digit id from 'tokens list'): it stops working at once."""
    with open_engine(db, read_only=False) as engine:
        info = engine.revoke_token(token_id)
    click.echo(f"revoked token {info.id} of {info.agency} ({info.revoked_at})")
    return 0
