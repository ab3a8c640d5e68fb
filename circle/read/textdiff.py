"""A word-level difference between two versions of a proposal, for people to read.

Texts are split into words, white space and punctuation, compared with
difflib, and returned as pieces: kept, removed or added. The page shows
removed words struck through (<del>) and added words underlined (<ins>), so
the difference reads without colour, in print and on a phone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

#: A word (letters, digits, joined by ' or -), a run of white space, or any other single character.
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|\s+|[^\w\s]", re.UNICODE)

Op = Literal["same", "del", "ins"]


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same in both versions, only in the old, or only in the new."""

    op: Op
    text: str


def tokens(text: str) -> list[str]:
    """The text as words, white space and punctuation; joined again they give the text back."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Piece]:
    """What changed from `old` to `new`, word by word; the pieces of one kind are merged."""
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pieces: list[Piece] = []

    def add(op: Op, words: list[str]) -> None:
        text = "".join(words)
        if not text:
            return
        if pieces and pieces[-1].op == op:
            pieces[-1] = Piece(op, pieces[-1].text + text)
        else:
            pieces.append(Piece(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", a[i1:i2])
        else:
            add("del", a[i1:i2])
            add("ins", b[j1:j2])
    return _tidy(pieces)


def _tidy(pieces: list[Piece]) -> list[Piece]:
    """Join changes parted only by a single space, so a changed phrase reads as one.

    "~~big~~ small ~~bins~~ pots" becomes "~~big bins~~ small pots".
    """
    out: list[Piece] = []
    group: list[Piece] = []

    def flush() -> None:
        old = "".join(p.text for p in group if p.op != "ins")
        new = "".join(p.text for p in group if p.op != "del")
        out.extend(Piece(op, text) for op, text in (("del", old), ("ins", new)) if text)
        group.clear()

    for i, piece in enumerate(pieces):
        between = (piece.op == "same" and piece.text == " " and group
                   and i + 1 < len(pieces) and pieces[i + 1].op != "same")
        if piece.op != "same" or between:
            group.append(piece)
        else:
            if group:
                flush()
            out.append(piece)
    if group:
        flush()
    return out


def changed(pieces: list[Piece]) -> bool:
    """Whether anything was removed or added."""
    return any(p.op != "same" for p in pieces)
