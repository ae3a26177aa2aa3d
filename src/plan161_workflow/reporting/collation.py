"""Vietnamese alphabetical order (pure).

Code-point order puts "Đào", "Ánh" and "Ân" after "Z"; plain Unicode collation puts đ with d.
Vietnamese dictionaries order the letters

    a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y

(the foreign letters f, j, w, z are slotted in their Latin places) and compare syllable by
syllable: first the letters of a syllable, then its tone, in the order none, huyền, hỏi, ngã,
sắc, nặng. Case is ignored; punctuation separates syllables and is otherwise ignored.

::

    sorted(names, key=vietnamese_key)
    # ["Anh", "Ánh", "Ă", "Ân", "Dũng", "Đào"]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
"""Letter order; f, j, w and z are not Vietnamese letters and sit where Latin puts them."""

_MODIFIERS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
"""Combining tone marks: huyền, hỏi, ngã, sắc, nặng (none is 0)."""

_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
_DIGIT_BASE = -10  # digits sort before every letter
_OTHER_BASE = len(ALPHABET)  # letters of other scripts after z, by code point
_SYLLABLE = re.compile(r"\w+")

Syllable = tuple[tuple[int, ...], int]


def _letter(base: str, marks: str) -> tuple[int, int]:
    """(rank, tone) of one letter given its base character and combining marks."""
    tone = 0
    composed = base
    for mark in marks:
        if mark in _TONES:
            tone = tone or _TONES[mark]
        elif mark in _MODIFIERS:
            composed = unicodedata.normalize("NFC", composed + mark)
    if composed in _RANK:
        return _RANK[composed], tone
    if composed.isdigit():
        return _DIGIT_BASE + int(composed) if composed in "0123456789" else _DIGIT_BASE, tone
    return _OTHER_BASE + ord(composed), tone


@functools.lru_cache(maxsize=65_536)
def _syllable(word: str) -> Syllable:
    ranks: list[int] = []
    tone = 0
    base = ""
    marks = ""
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.combining(char):
            marks += char
            continue
        if base:
            rank, t = _letter(base, marks)
            ranks.append(rank)
            tone = tone or t
        base, marks = char, ""
    if base:
        rank, t = _letter(base, marks)
        ranks.append(rank)
        tone = tone or t
    return tuple(ranks), tone


@functools.lru_cache(maxsize=65_536)
def vietnamese_key(text: str) -> tuple[tuple[Syllable, ...], str]:
    """A sort key putting ``text`` in Vietnamese alphabetical order, case-insensitively.

    Equal keys only for equal texts: the NFC text itself breaks ties. Keys are computed once per
    text (the names a plan gives its agencies and areas recur on every row and every call).
    """
    nfc = unicodedata.normalize("NFC", text)
    words = _SYLLABLE.findall(nfc.casefold().replace("_", " "))
    return tuple(_syllable(w) for w in words), nfc


def sort_vietnamese(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """``items`` sorted by the Vietnamese order of ``key(item)``."""
    return sorted(items, key=lambda item: vietnamese_key(key(item)))
