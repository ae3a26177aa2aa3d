"""Amendment files: a rules file that changes another one, entry by entry.

An amendment names its base with ``amends:`` (a path relative to the amendment) and says what it
is in ``amendment:`` (title, basis, source). Every other section has the base's format and is
merged into the base:

* ``plan``, ``calendar``, ``roles``: the keys given replace the base's keys;
* ``agencies``, ``groups``, ``rating_scale`` (by ``code``), ``deadlines``, ``areas``, ``duties``
  (by ``id``): an entry whose key is in the base replaces the keys it gives of that entry; an
  entry with a new key is added;
* ``reminders`` and ``workflow`` replace the base's wholesale;
* ``remove``: ``{areas: [ids], duties: [ids]}`` drops entries of the base.

The merge keeps, for every value, the file and position it came from, so that a problem in the
merged plan is reported in the file that caused it.
"""

from __future__ import annotations

from typing import Any

import attrs

from plan161_workflow.rules.source import Document, Path

KEYED = {
    "agencies": "code",
    "groups": "code",
    "rating_scale": "code",
    "deadlines": "id",
    "areas": "id",
    "duties": "id",
    "periods": "id",
    "levels": "id",
}
"""List sections merged entry by entry, and the key that identifies an entry."""
MERGED = ("plan", "calendar", "roles")
"""Mapping sections merged key by key."""
HEADER = ("amends", "amendment", "remove")
"""Keys of an amendment that are not plan sections."""
REMOVABLE = ("areas", "duties")


@attrs.define
class Merged:
    """A merged document and where each of its values came from."""

    document: Document
    origin: dict[Path, str] = attrs.field(factory=dict)
    """Path prefix -> file; the longest matching prefix wins."""
    problems: list[tuple[str, Path, str]] = attrs.field(factory=list)
    """(file, path in that file, message) found while merging."""

    def file_of(self, path: Path, default: str) -> str:
        """The file the value at ``path`` came from."""
        for n in range(len(path), -1, -1):
            found = self.origin.get(path[:n])
            if found:
                return found
        return default


def is_amendment(doc: Document) -> bool:
    """True when the document amends another rules file."""
    return isinstance(doc.data, dict) and "amends" in doc.data


def merge(base: Document, base_file: str, patch: Document, patch_file: str) -> Merged:
    """Merge amendment ``patch`` into ``base`` (neither is modified)."""
    data: dict[str, Any] = dict(base.data)
    out = Merged(Document(data=data))
    _copy(base, (), (), out.document)
    out.origin[()] = base_file
    amendment = patch.data
    for section, value in amendment.items():
        if section in HEADER:
            continue
        if section in KEYED and isinstance(value, list) and isinstance(data.get(section), list):
            _merge_list(section, value, patch, patch_file, out)
        elif section in MERGED and isinstance(value, dict) and isinstance(data.get(section), dict):
            merged = dict(data[section])
            for key, item in value.items():
                merged[key] = item
                _drop(out.document, (section, key))
                _copy(patch, (section, key), (section, key), out.document)
                out.origin[(section, key)] = patch_file
            data[section] = merged
        else:
            data[section] = value
            _drop(out.document, (section,))
            _copy(patch, (section,), (section,), out.document)
            out.origin[(section,)] = patch_file
    _remove(amendment.get("remove"), patch, patch_file, out)
    return out


def _merge_list(
    section: str, entries: list[Any], patch: Document, patch_file: str, out: Merged
) -> None:
    key = KEYED[section]
    items = list(out.document.data[section])
    index = {item.get(key): i for i, item in enumerate(items) if isinstance(item, dict)}
    for j, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get(key), str):
            out.problems.append(
                (patch_file, (section, j), f"an amending entry of {section!r} needs its {key!r}")
            )
            continue
        i = index.get(entry[key])
        if i is None:
            i = len(items)
            items.append(dict(entry))
            index[entry[key]] = i
            _copy(patch, (section, j), (section, i), out.document)
            out.origin[(section, i)] = patch_file
            continue
        merged = dict(items[i])
        for field, value in entry.items():
            merged[field] = value
            _drop(out.document, (section, i, field))
            _copy(patch, (section, j, field), (section, i, field), out.document)
            out.origin[(section, i, field)] = patch_file
        items[i] = merged
    out.document.data[section] = items


def _remove(spec: Any, patch: Document, patch_file: str, out: Merged) -> None:
    if spec is None:
        return
    if not isinstance(spec, dict):
        out.problems.append((patch_file, ("remove",), "expected {areas: [ids], duties: [ids]}"))
        return
    for section, ids in spec.items():
        if section not in REMOVABLE or not isinstance(ids, list):
            out.problems.append(
                (
                    patch_file,
                    ("remove", section),
                    f"only {', '.join(REMOVABLE)} can be removed, as lists of ids",
                )
            )
            continue
        items = out.document.data.get(section, [])
        known = {item.get("id") for item in items if isinstance(item, dict)}
        for k, gone in enumerate(ids):
            if gone not in known:
                out.problems.append(
                    (
                        patch_file,
                        ("remove", section, k),
                        f"no {section[:-1] if section != 'duties' else 'duty'} "
                        f"{gone!r} in the base to remove",
                    )
                )
        keep = [
            i
            for i, item in enumerate(items)
            if not (isinstance(item, dict) and item.get("id") in ids)
        ]
        _renumber(out, section, keep)


def _renumber(out: Merged, section: str, keep: list[int]) -> None:
    doc = out.document
    new_index = {old: new for new, old in enumerate(keep)}
    doc.data[section] = [doc.data[section][i] for i in keep]
    for table in (doc.values, doc.keys, out.origin):
        moved: dict[Path, Any] = {}
        for path in list(table):
            if len(path) >= 2 and path[0] == section and isinstance(path[1], int):
                value = table.pop(path)
                if path[1] in new_index:
                    moved[(section, new_index[path[1]], *path[2:])] = value
        table.update(moved)


def _drop(doc: Document, prefix: Path) -> None:
    for table in (doc.values, doc.keys):
        for path in [p for p in table if p[: len(prefix)] == prefix]:
            del table[path]


def _copy(src: Document, src_prefix: Path, dest_prefix: Path, dest: Document) -> None:
    n = len(src_prefix)
    for table, target in ((src.values, dest.values), (src.keys, dest.keys)):
        for path, pos in table.items():
            if path[:n] == src_prefix:
                target[(*dest_prefix, *path[n:])] = pos
