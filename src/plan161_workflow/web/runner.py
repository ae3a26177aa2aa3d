"""Calling the engine from the event loop: one call at a time, in a worker thread.

The engine is synchronous and its connection is shared; the web app runs each call in a
thread (so the event loop keeps serving) and one at a time (so a read never sees another
request's unfinished write). Several ``serve`` processes on one database are kept consistent by
the database's own transactions, as any two hosts are.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread

from plan161_workflow.engine import Engine

P = ParamSpec("P")
T = TypeVar("T")


class Runner:
    """Runs engine calls in a worker thread, one at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    def _locked(self, call: Callable[[], T]) -> T:
        with self._lock:
            return call()

    async def __call__(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        call = functools.partial(fn, *args, **kwargs)
        return await anyio.to_thread.run_sync(self._locked, call)
