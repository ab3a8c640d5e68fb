"""Reading a page as a person without JavaScript sees it: what is `hidden` is not there."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements that have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Shown(HTMLParser):
    """Rebuilds the page without the elements marked `hidden` (and what they hold)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping = 0  # depth inside a hidden element

    def handle_starttag(self, tag, attrs):
        text = self.get_starttag_text()
        if self.skipping:
            if tag not in VOID and not text.endswith("/>"):
                self.skipping += 1
            return
        if any(name == "hidden" for name, _ in attrs):
            if tag not in VOID and not text.endswith("/>"):
                self.skipping = 1
            return
        self.out.append(text)

    def handle_startendtag(self, tag, attrs):
        if not self.skipping and not any(name == "hidden" for name, _ in attrs):
            self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self.skipping:
            if tag not in VOID:
                self.skipping -= 1
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)

    def handle_entityref(self, name):
        if not self.skipping:
            self.out.append(f"&{name};")

    def handle_charref(self, name):
        if not self.skipping:
            self.out.append(f"&#{name};")


def shown(page: str) -> str:
    """The page's markup without what is hidden: what a browser without JavaScript shows."""
    parser = _Shown()
    parser.feed(page)
    parser.close()
    return "".join(parser.out)


#: What isolates people's text for direction (circle/text.py): `<bdi>` in pages, U+2066–U+2069 in plain text.
_ISOLATION = re.compile("</?bdi>|[\u2066-\u2069]")


def unisolated(text: str) -> str:
    """A page or file as its words read: without the isolation around people's text."""
    return _ISOLATION.sub("", text)
