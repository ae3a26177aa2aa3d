"""Text from agencies and rules files, made safe for each output: the one place that knows how.

Every output that shows a text someone typed (a summary, a comment, an agency's name, a plan's
title) passes it through the function of its format here, so that the text always shows as the
same text and never becomes markup, a new line, a new field or a terminal command:

* ``md_inline``: one line of Markdown (a paragraph, a heading, a list item, a table cell);
* ``one_line``: line breaks and control characters of a label (mermaid, SVG, iCalendar);
* ``shown``: what a terminal prints (control and escape sequences become visible ``\\uXXXX``).
"""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal would act on (and bidirectional overrides that reorder what it shows);
line feed and tab stay."""
_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MD_PUNCT = re.compile(r"([\\`*_\[\]#|~$])")
_MD_START = re.compile(r"^(\d*)([-+=>.)])")


def _visible(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def shown(text: str) -> str:
    """``text`` as a terminal should receive it: every control character (except line feed and
    tab) and every escape sequence written out as ``\\uXXXX`` (which is also the same character
    inside a JSON string), so that nothing in it is executed."""
    return _CONTROL.sub(_visible, text)


def one_line(text: object) -> str:
    """A label on one line: line breaks become spaces, other control characters ``\\uXXXX``."""
    return _ANY_CONTROL.sub(_visible, _BREAKS.sub(" ", str(text)))


def md_inline(value: object, *, block_start: bool = True) -> str:
    """``value`` as text inside one line of Markdown, whatever it holds: every character that
    Markdown (GitHub's or CommonMark) could read as markup is escaped, HTML shows as text, line
    breaks become spaces and control characters show as ``\\uXXXX``; a leading ``-``, ``+``,
    ``=``, ``>`` or number followed by ``.`` or ``)`` cannot start a block."""
    text = _MD_PUNCT.sub(r"\\\1", one_line(value).strip())
    if block_start:  # not after ``# ``: there, a leading ``1.`` or ``-`` starts nothing
        text = _MD_START.sub(r"\1\\\2", text)
    return html.escape(text, quote=False)
