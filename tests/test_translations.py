"""Every message in the code has a Dutch translation, and the committed .mo is the .po compiled.

When one of these fails: run `make translations`, translate the new or fuzzy
entries in circle/translations/nl/LC_MESSAGES/messages.po, run it again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "circle" / "translations" / "nl" / "LC_MESSAGES"
#: The markers the Makefile gives pybabel (BABEL_KEYWORDS), besides gettext's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


@pytest.fixture(scope="module")
def po() -> Catalog:
    """The Dutch catalogue as written by translators."""
    with open(CATALOG / "messages.po", "rb") as f:
        return read_po(f, locale="nl")


def translated(message: Message) -> bool:
    """Whether an entry has its Dutch (every plural form of it)."""
    if isinstance(message.string, tuple):
        return all(message.string)
    return bool(message.string)


def extracted() -> set[tuple[str, str | None]]:
    """(msgid, context) of every message marked for translation in the code and templates."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((msgid, context))
    return found


def test_every_message_is_in_the_dutch_catalogue(po):
    found = extracted()
    assert len(found) > 20, "extraction found almost nothing: is babel.cfg right?"
    missing = sorted(msgid for msgid, context in found if po.get(msgid, context) is None)
    assert missing == [], "not in messages.po (run `make translations`)"


def test_the_method_messages_are_extracted():
    from circle.method import MESSAGES

    found = {msgid for msgid, _ in extracted()}
    assert set(MESSAGES.values()) <= found


def test_every_entry_is_translated_and_checked(po):
    untranslated = [m.id for m in po if m.id and not translated(m)]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert [(m.id, errors) for m, errors in po.check()] == []


def test_the_compiled_catalogue_is_up_to_date(po):
    with open(CATALOG / "messages.mo", "rb") as f:
        mo = read_mo(f)

    def content(catalog: Catalog) -> dict:
        """What a compiled catalogue holds: translated entries that are not fuzzy."""
        def key(value):  # plural entries hold lists of forms
            return tuple(value) if isinstance(value, (list, tuple)) else value

        return {(key(m.id), m.context): key(m.string) for m in catalog
                if m.id and translated(m) and not m.fuzzy}

    assert content(mo) == content(po), "messages.mo is stale: run `make translations`"
