"""cattrs' validation errors as findings: the path of each wrong value in the document and what
was found there. ``detailed_validation`` gives every error of a document at once; this walks the
tree of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from plan161_workflow.hints import suggest
from plan161_workflow.model.codec import ShapeError, field_names
from plan161_workflow.model.plan import Plan
from plan161_workflow.rules.source import Path


@attrs.frozen
class Finding:
    """A problem at a path of the document."""

    path: Path
    """Where: the value (or, with ``at_key``, the key) the problem is about."""
    message: str
    """What was found, what was expected."""
    at_key: bool = False
    """Point at the key that introduces ``path`` rather than at its value."""
    means: str | None = None
    """For an unknown key: the known key it is probably a typo of."""


def shape_findings(exc: BaseException) -> list[Finding]:
    """Every wrong value in a cattrs error tree, without a 'missing key' that a reported typo
    already explains (``frist_year`` unknown, did you mean ``first_year``)."""
    found = list(_walk(exc, ()))
    typos = {(f.path[:-1], f.means) for f in found if f.means}
    return [f for f in found if not (f.at_key and (f.path[:-1], f.path[-1]) in typos)]


def _walk(exc: BaseException, path: Path) -> Iterator[Finding]:
    if isinstance(exc, ForbiddenExtraKeysError):
        yield from _unknown_keys(exc.cl, sorted(exc.extra_fields), path)
    elif isinstance(exc, ClassValidationError | IterableValidationError):
        cls = getattr(exc, "cl", None)
        for sub in exc.exceptions:
            step = _step(sub, cls)
            yield from _walk(sub, path if step is None else (*path, step))
    elif isinstance(exc, KeyError):
        yield Finding(path, f"missing required key {path[-1]!r}", at_key=True)
    else:
        key = exc.key if isinstance(exc, ShapeError) else None
        yield Finding(path if key is None else (*path, key), str(exc))


def _unknown_keys(cls: type, keys: Iterable[str], path: Path) -> Iterator[Finding]:
    known = field_names(cls)
    for key in keys:
        hint = suggest(key, known)
        means = hint.split("'")[1] if hint else None
        message = f"unknown key {key!r}" + (hint or f"; expected keys: {', '.join(known)}")
        yield Finding((*path, key), message, at_key=True, means=means)


def _step(exc: BaseException, cls: object) -> str | int | None:
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            return "plan" if (cls is Plan and note.name == "info") else note.name
        if isinstance(note, IterableValidationNote):
            return int(note.index)
    return None
