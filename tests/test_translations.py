"""Every message in the code has a translation in every shipped language, its placeholders intact,
and each committed .mo is its .po compiled.

The shipped languages are circle/__init__.py's LANGUAGES; each but English (the source language)
has a catalogue in circle/translations/<code>/LC_MESSAGES/messages.po (README "Adding a language").
When one of these fails: run `make translations`, translate the new or fuzzy entries in each
catalogue, run it again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from circle import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "circle" / "translations"
#: The language the code is written in: its messages are their own translation.
SOURCE = "en"
CATALOGUED = [code for code in LANGUAGES if code != SOURCE]
#: The markers the Makefile gives pybabel (BABEL_KEYWORDS), besides gettext's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
#: A Python placeholder: %(name)s, %d, %s; "%%" is a plain percent sign.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr%])")


def catalogue_path(code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES"


@pytest.fixture(scope="module", params=CATALOGUED)
def po(request) -> Catalog:
    """One shipped language's catalogue as written by translators."""
    with open(catalogue_path(request.param) / "messages.po", "rb") as f:
        return read_po(f, locale=request.param)


def translated(message: Message) -> bool:
    """Whether an entry has its translation (every plural form of it)."""
    if isinstance(message.string, tuple):
        return all(message.string)
    return bool(message.string)


def placeholders(text: str) -> set[str]:
    """The placeholders in a message, e.g. {"%(name)s", "%d"}."""
    return {f"%({name})" if name else f"%{kind}" for name, kind in PLACEHOLDER.findall(text)
            if kind != "%"}


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


def test_every_shipped_language_has_a_catalogue_and_every_catalogue_is_shipped():
    on_disk = {p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()}
    assert on_disk == set(CATALOGUED)
    assert LANGUAGES[0] == "nl", "Dutch is the default language"


def test_every_message_is_in_the_catalogue(po):
    found = extracted()
    assert len(found) > 20, "extraction found almost nothing: is babel.cfg right?"
    missing = sorted(msgid for msgid, context in found if po.get(msgid, context) is None)
    assert missing == [], f"not in {po.locale}'s messages.po (run `make translations`)"


def test_the_method_messages_are_extracted():
    from circle.method import MESSAGES

    found = {msgid for msgid, _ in extracted()}
    assert set(MESSAGES.values()) <= found


def test_every_entry_is_translated_and_checked(po):
    untranslated = [m.id for m in po if m.id and not translated(m)]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert untranslated == [], f"{len(untranslated)} entries without {po.locale}"
    assert fuzzy == []
    assert [(m.id, errors) for m, errors in po.check()] == []


def test_every_plural_has_the_languages_forms(po):
    short = [m.id for m in po if m.id and isinstance(m.id, tuple) and translated(m)
             and len(m.string) != po.num_plurals]
    assert short == []


def test_placeholders_are_kept(po):
    """A translation uses exactly the placeholders of its English; a plural form may leave out
    the count (Arabic says "one" and "two" in words), never anything else."""
    wrong = []
    for m in po:
        if not m.id or not translated(m) or "python-format" not in m.flags:
            continue
        if isinstance(m.id, tuple):
            wanted = placeholders(m.id[0]) | placeholders(m.id[1])
            for form in m.string:
                if not (wanted - {"%(num)", "%d"} <= placeholders(form) <= wanted):
                    wrong.append((m.id, form))
        elif placeholders(m.string) != placeholders(m.id):
            wrong.append((m.id, m.string))
    assert wrong == []


def test_the_header_asks_for_a_native_speakers_review_until_one_has_read_it(po):
    """Turkish and Arabic await a native speaker's reading: their header says so until one has read
    them and the header names who did (README "Translations")."""
    if po.locale.language in ("tr", "ar"):
        header = " ".join(po.header_comment.split())
        assert "awaiting review by a native speaker" in header or "Reviewed by a native speaker:" in header


def test_the_compiled_catalogue_is_up_to_date(po):
    with open(catalogue_path(str(po.locale)) / "messages.mo", "rb") as f:
        mo = read_mo(f)

    def content(catalog: Catalog) -> dict:
        """What a compiled catalogue holds: translated entries that are not fuzzy."""
        def key(value):  # plural entries hold lists of forms
            return tuple(value) if isinstance(value, (list, tuple)) else value

        return {(key(m.id), m.context): key(m.string) for m in catalog
                if m.id and translated(m) and not m.fuzzy}

    assert content(mo) == content(po), "messages.mo is stale: run `make translations`"
