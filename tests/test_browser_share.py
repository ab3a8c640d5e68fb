"""The share offer in real Chromium: the phone's share sheet with the server's text and link, else WhatsApp and
copying the same message; without JavaScript, the WhatsApp link and the text to copy.

On the real server (tests/browser.py's harness) Joost opens the planned
Samen Vooruit meeting. With the Web Share API stubbed into the page before
its scripts run (`add_init_script`, recording what it was given), the share
button offers exactly the title, words and link the server wrote; with the
API taken away, the WhatsApp link and the copy button offer the same
message, and copying puts it on the clipboard. The words expected come from
the Dutch catalogue, as the page shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import format_date

from tests.days import TODAY
from tests.server import KringServer, Seeded
from tests.browser import (  # noqa: F401  (playwright_chromium, kring: fixtures)
    View,
    expect,
    kring,
    meeting_path,
    nl,
    open_view,
    playwright_chromium,
    sign_in,
)

pytestmark = pytest.mark.browser

#: The share sheet, stubbed: it keeps what it was asked to share.
WITH_SHARE = """
window.kringShared = [];
Navigator.prototype.canShare = function () { return true; };
Navigator.prototype.share = function (data) { window.kringShared.push(data); return Promise.resolve(); };
"""
#: A browser without the share sheet (as desktop Chromium on Linux is).
WITHOUT_SHARE = """
delete Navigator.prototype.share;
delete Navigator.prototype.canShare;
"""


def expected(server: KringServer, seeded: Seeded) -> dict[str, str]:
    """What the server writes for the planned meeting, in Dutch, with its direct link."""
    text = nl("%(circle)s meets on %(date)s: %(title)s. The agenda is here:", circle="\u2068Samen Vooruit\u2069",
              date=format_date(TODAY, "full", locale="nl"), title="\u2068Kernteam\u2069")
    return {"title": "\u2068Kernteam\u2069", "text": text, "url": server.url + meeting_path(seeded, seeded.meeting)}


@pytest.fixture
def joost(playwright_chromium, kring) -> Iterator[tuple[View, KringServer, Seeded]]:
    _, browser = playwright_chromium
    server, seeded = kring
    view = open_view(browser, "Joost", permissions=["clipboard-read", "clipboard-write"])
    yield view, server, seeded
    assert view.errors == []
    view.close()


def open_meeting_page(view: View, server: KringServer, seeded: Seeded, script: str) -> None:
    view.context.add_init_script(script)
    sign_in(view, server, seeded.tokens["Joost"])
    view.page.goto(server.url + meeting_path(seeded, seeded.meeting))


def test_the_share_sheet_gets_the_server_s_words_and_the_direct_link(joost):
    view, server, seeded = joost
    open_meeting_page(view, server, seeded, WITH_SHARE)
    share = view.page.locator("[data-share-button]")
    expect(share).to_be_visible()
    expect(share).to_have_text(nl("Share…"))
    expect(view.page.locator("[data-share-whatsapp]")).to_be_hidden()  # the sheet holds WhatsApp too
    share.click()
    view.page.wait_for_function("window.kringShared.length === 1")
    assert view.page.evaluate("window.kringShared[0]") == expected(server, seeded)


def test_without_a_share_sheet_whatsapp_and_copying_offer_the_same_message(joost):
    view, server, seeded = joost
    open_meeting_page(view, server, seeded, WITHOUT_SHARE)
    want = expected(server, seeded)
    message = f"{want['text']}\n{want['url']}"
    expect(view.page.locator("[data-share-button]")).to_be_hidden()
    whatsapp = view.page.locator("[data-share-whatsapp]")
    expect(whatsapp).to_be_visible()
    link = urlsplit(whatsapp.get_attribute("href"))
    assert (link.scheme, link.netloc, link.path) == ("https", "wa.me", "/")
    assert parse_qs(link.query) == {"text": [message]}
    assert view.page.locator("[data-share-message]").input_value() == message
    copy = view.page.locator("[data-share-copy]")
    expect(copy).to_be_visible()
    copy.click()
    expect(view.page.locator("[data-share-copied]")).to_be_visible()
    assert view.page.evaluate("navigator.clipboard.readText()") == message


def test_without_javascript_the_whatsapp_link_and_the_text_are_there(playwright_chromium, kring):
    _, browser = playwright_chromium
    server, seeded = kring
    view = open_view(browser, "Joost", java_script_enabled=False)
    try:
        sign_in(view, server, seeded.tokens["Joost"])
        view.page.goto(server.url + meeting_path(seeded, seeded.meeting))
        want = expected(server, seeded)
        message = f"{want['text']}\n{want['url']}"
        expect(view.page.locator("[data-share-whatsapp]")).to_be_visible()
        expect(view.page.locator("[data-share-button]")).to_be_hidden()
        assert view.page.locator("[data-share-message]").input_value() == message
    finally:
        view.close()
