"""Firing triggers on tasks: permissions, payloads, idempotent requests, conflicts."""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from plan161_workflow import inputs, limits
from plan161_workflow.clock import today
from plan161_workflow.engine.base import EngineBase
from plan161_workflow.errors import (
    ConflictError,
    PayloadError,
    WorkflowError,
)
from plan161_workflow.model.task import Task
from plan161_workflow.store.chain import canonical
from plan161_workflow.workflow.decide import decide


class Changes(EngineBase):
    """Firing triggers on tasks: permissions, payloads, idempotent requests, conflicts."""

    # -- changes -----------------------------------------------------------------------------
    def fire(
        self,
        task_id: str,
        trigger: str,
        *,
        actor: str,
        report: dict[str, Any] | None = None,
        reason: str | None = None,
        rating: str | None = None,
        text: str | None = None,
        agency: str | None = None,
        expected_version: int | None = None,
        on_conflict: str = "raise",
        request_id: str | None = None,
    ) -> Task:
        """Fire ``trigger`` on a task as agency ``actor`` and return the task afterwards.

        ``report`` goes with ``submit`` (``{"summary": ..., "indicators": {...},
        "attachments": [...]}``), ``reason`` with ``send_back``, ``rating`` with ``evaluate``,
        ``text`` with ``contribute`` and ``comment``, ``agency`` with ``reassign``.

        ``expected_version`` makes the change conditional on the version the caller read: if
        another writer changed the task since, ``ConflictError`` (``on_conflict="raise"``) or the
        trigger is checked again against the fresh state (``on_conflict="retry"``).
        ``request_id`` makes the call idempotent: repeating it returns the first result and writes
        nothing; the same id with other arguments is refused. A refused attempt is recorded in the
        history and changes nothing.

        Raises:
            NotFound: unknown task, trigger or agency.
            PermissionDenied: the actor may not fire this trigger on this task.
            InvalidTransition: the trigger is not allowed in the task's state.
            PayloadError: a missing summary, rating, reason, text or agency; a reused request id;
                a value beyond its bound (``limits``: then nothing is recorded, not even a
                refused attempt).
            CycleClosedError: the task's cycle is closed.
            AgencyCeasedError: the actor no longer exists (the error names its successor).
            ConflictError: ``expected_version`` is not the task's version.
            StoreError: the database could not be written.
        """
        if on_conflict not in ("raise", "retry"):
            raise PayloadError(f"on_conflict must be 'raise' or 'retry', not {on_conflict!r}")
        if not (
            type(task_id) is str
            and type(trigger) is str
            and type(actor) is str
            and task_id.isascii()
            and trigger.isascii()
            and actor.isascii()
        ):
            task_id = inputs.text(task_id, "the task id")
            trigger = inputs.text(trigger, "trigger", f" (task {task_id!r})")
            actor = inputs.text(actor, "actor=", f" (trigger {trigger!r} on task {task_id!r})")
        if max(len(task_id), len(trigger), len(actor)) > limits.MAX_NAME:
            for value, what in ((task_id, "the task id"), (trigger, "trigger"), (actor, "actor=")):
                limits.name(value, what)
        if expected_version is not None:
            inputs.whole(expected_version, "expected_version", minimum=1)
        if request_id is not None:
            request_id = inputs.text(request_id, "request_id")
            limits.name(request_id, "request_id")
            if inputs.blank(request_id):
                raise PayloadError("request_id must not be blank; pass a unique text per request")
        args = {
            "report": report,
            "reason": reason,
            "rating": rating,
            "text": text,
            "agency": agency,
        }
        limits.arguments(args)
        key = _request_key(task_id, trigger, actor, args) if request_id is not None else None
        now = self._now()
        refusal: WorkflowError | None = None
        with self.store.write():
            if request_id is not None:
                earlier = self.store.request(request_id)
                if earlier is not None:
                    return self._repeat(request_id, key, *earlier)
            task, cycle_open, digest = self.store.task_for_update(task_id)
            conflict = (
                expected_version is not None
                and expected_version != task.version
                and on_conflict == "raise"
            )
            book = self.book_for(digest)
            if cycle_open and not conflict and (ceased := book.succession.ceased_by(today(now))):
                if self._ceased_seen.get(digest) != ceased:
                    self._apply_succession(now)  # the first write after an agency ceased
                    task, cycle_open, digest = self.store.task_for_update(task_id)
                task = self._succeed(book, task, now)
            try:
                if conflict:
                    raise ConflictError(task_id, cast(int, expected_version), task.version)
                outcome = decide(book, task, trigger, actor, args, now, cycle_open=cycle_open)
            except WorkflowError as exc:
                refusal = exc
                self.store.append_event(
                    task_id=task.id,
                    trigger=trigger,
                    from_state=task.state,
                    to_state=task.state,
                    actor=actor,
                    at=now,
                    outcome="refused",
                    payload={"error": type(exc).__name__, "message": limits.message(exc)},
                    version=task.version,
                )
            else:
                after = self.store.change(
                    task, outcome.updates, trigger, actor, now, outcome.payload, request_id, key
                )
        if refusal is not None:
            raise refusal
        return after

    def _repeat(
        self, request_id: str, key: str | None, task_id: str, first_key: str, seq: int
    ) -> Task:
        if key != first_key:
            raise PayloadError(
                f"request id {request_id!r} was already used for another request "
                f"(on task {task_id!r}); use a new id for a new request"
            )
        return self._task_as_of(task_id, seq)


def _request_key(task_id: str, trigger: str, actor: str, args: dict[str, Any]) -> str:
    """What a request id stands for: its task, trigger, actor and arguments, as JSON in NFC
    (text is stored in NFC, so a repeat typed in NFD is the same request)."""
    try:
        return unicodedata.normalize("NFC", canonical([task_id, trigger, actor, args]))
    except (TypeError, ValueError, RecursionError) as exc:
        raise PayloadError(
            f"the arguments of {trigger!r} on task {task_id!r} must be JSON values "
            f"(text, numbers, lists, mappings): {exc}"
        ) from None
