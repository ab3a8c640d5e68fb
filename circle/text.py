"""Text from people: refused when it holds control characters, isolated for direction wherever it is shown.

Names, titles, proposals, contributions and objections are written by
people, in any script. Two things keep such text from fooling the reader:

- **Control characters are refused at the input** (every form, page or
  socket: circle/forms.py): NUL and the rest of C0 but tab, line feed and
  carriage return, DEL, and C1. A one-line field (a name, a title) takes no
  line break either. Nothing of it is stored, so no page, export or
  calendar feed ever carries one.
- **Text is isolated for direction wherever it stands beside Kring's own
  words**: in HTML inside `<bdi>` (the `bdi` filter) or in an element of its
  own with `dir="auto"`; in plain text (attributes, `<title>`, `<option>`,
  SVG, the Markdown, CSV and iCalendar files) between U+2068 FIRST STRONG
  ISOLATE and U+2069 POP DIRECTIONAL ISOLATE (`isolate`). A right-to-left
  override (U+202E) in a name then reverses nothing outside the name.

A person's own isolate characters are balanced first (`balanced`): a stray
U+2069 would otherwise close Kring's isolate early and let what follows it
out. See docs/security.md, "Text from people", and docs/exports.md.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms.validators import ValidationError

#: C0 but tab, line feed and carriage return; DEL; C1.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The same, and line breaks too: for a field of one line.
CONTROL_OR_BREAK = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")

FSI, PDI = "\u2068", "\u2069"
#: What opens an isolate (LRI, RLI, FSI), and what closes one.
_OPENS, _CLOSES = "\u2066\u2067\u2068", PDI
_ISOLATES = re.compile(f"[{_OPENS}{_CLOSES}]")
#: Where a plain-text paragraph ends: an isolate cannot reach over it, so each line is isolated alone.
_PARAGRAPH = re.compile("\r\n|[\r\n\u2029]")


def has_control_characters(value: str, one_line: bool = False) -> bool:
    """Whether `value` holds a character Kring refuses (a line break too, for a one-line field)."""
    return bool((CONTROL_OR_BREAK if one_line else CONTROL).search(value))


class NoControlCharacters:
    """WTForms validator: no control characters (and, for a one-line field, no line break).

    It marks the form (`form.control_characters`), so the live protocol can
    answer with its own code, `control_characters` (docs/live-protocol.md).
    """

    MULTI_LINE = _l("This held an invisible control character, which Kring cannot store; nothing was saved. "
                    "Check the text and send it again.")
    ONE_LINE = _l("This must be one line, without line breaks or invisible control characters; nothing was "
                  "saved. Check it and send it again.")

    def __init__(self, one_line: bool) -> None:
        self.one_line = one_line

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and has_control_characters(field.data, self.one_line):
            form.control_characters = field.name
            # A form shown again holds the text without them: nobody can remove what they cannot see.
            field.data = without_control_characters(field.data, self.one_line)
            raise ValidationError(str(self.ONE_LINE if self.one_line else self.MULTI_LINE))


def without_control_characters(value: str, one_line: bool = False) -> str:
    """`value` without what Kring refuses; in a one-line field a line break becomes a space."""
    if one_line:
        value = " ".join(_PARAGRAPH.split(value.replace("\u2028", "\n")))
    return CONTROL_OR_BREAK.sub("", value) if one_line else CONTROL.sub("", value)


def balanced(text: str) -> str:
    """`text` with its own isolates balanced: a close without an open dropped, an open left open closed."""
    if not _ISOLATES.search(text):  # almost every name and text: nothing to balance
        return text
    out, depth = [], 0
    for c in text:
        if c in _OPENS:
            depth += 1
        elif c == _CLOSES:
            if depth == 0:
                continue
            depth -= 1
        out.append(c)
    return "".join(out) + PDI * depth


def isolate(text: Any) -> str:
    """Plain text isolated for direction: each line between FSI and PDI (empty stays empty)."""
    if text is None or text == "":
        return ""
    text = str(text)
    lines, ends = _PARAGRAPH.split(text), _PARAGRAPH.findall(text)
    out = [FSI + balanced(line) + PDI if line else "" for line in lines]
    return "".join(piece for pair in zip(out, ends + [""]) for piece in pair)


def bdi(text: Any) -> Markup:
    """A person's text for HTML, escaped and inside `<bdi>` (empty stays empty). Drawn for every name on the
    ring and in the lists at every change: escaped once and joined, not through `Markup`'s `%`, which costs
    twice as much (docs/performance/drawing.md, "Two small ones drawn at every change")."""
    if text is None or text == "":
        return Markup("")
    return Markup(f"<bdi>{escape(balanced(str(text)))}</bdi>")


def say(sentence: str, **people: Any) -> Markup:
    """A sentence in the reader's language, for HTML (a flash message), each person's text escaped in `<bdi>`.

    `sentence` is translated but not yet filled in: `say(_("Welcome, %(name)s."), name=member.name)`.
    """
    return escape(sentence) % {key: bdi(value) for key, value in people.items()}


def init_app(app: Flask) -> None:
    """The template filters: `{{ name|bdi }}` in HTML, `{{ title|isolate }}` in attributes and plain text."""
    app.add_template_filter(bdi, "bdi")
    app.add_template_filter(isolate, "isolate")
