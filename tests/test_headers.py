"""Headers on every response, nothing inline in the pages, and Kring behind a proxy (circle/headers.py).

The browser's side of the policy (no page breaks it, and it does catch
inline script) is tests/test_browser_csp.py; docs/security.md, "Pages,
headers and cookies".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from circle import create_app
from circle.auth import sign_in_url
from circle.extensions import db
from circle.headers import CONTENT_SECURITY_POLICY
from circle.models import Member
from circle.views.live_pages import qr_svg
from tests import databases
from tests.conftest import config_for, find_csrf_token
from tests.scenario import samen_vooruit

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


@pytest.fixture
def made(app):
    with app.app_context():
        return samen_vooruit()


def assert_protected(response, referrer: str = "same-origin") -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, response.request.path
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == referrer
    response.close()  # a static file's response holds the file open until closed


def test_the_policy_allows_nothing_inline_and_no_other_host():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'" and directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY  # no other host, not even a CDN


def test_every_kind_of_response_carries_the_headers(app, client, made, sign_in):
    assert_protected(client.get("/sign-in"))
    assert_protected(client.get("/static/kring.css"))
    assert_protected(client.get("/no-such-page"))
    assert_protected(client.post("/sign-out"))  # no CSRF token: 400
    handshake = client.get("/socket.io/?EIO=4&transport=polling")  # the Socket.IO endpoint, before Flask
    assert handshake.status_code == 200 and handshake.text.startswith("0{")
    assert_protected(handshake)
    sign_in(client, made.member_ids["Anna"])
    home = client.get(f"/c/{made.circle_id}/")
    assert home.status_code == 200
    assert_protected(home)
    csv = client.get(f"/c/{made.circle_id}/decisions.csv")
    assert csv.status_code == 200
    assert_protected(csv)
    meeting = client.get(f"/c/{made.circle_id}/meetings/{made.meeting_id}/projector")
    assert meeting.status_code == 200
    assert_protected(meeting)


def test_a_page_with_a_sign_in_token_tells_no_other_host(app, client, made):
    """`same-origin`: the token never travels to another host in a Referer, and the page's own form
    still posts over https (where `no-referrer` makes Flask-WTF refuse it: see the proxy tests)."""
    with app.app_context():
        url = sign_in_url(db.session.get(Member, made.member_ids["Joost"]), external=False)
    for page in (client.get(url), client.get("/s/not-a-token")):
        assert page.headers["Cache-Control"] == "no-store"
        assert_protected(page)


# --- Nothing inline ----------------------------------------------------------------------

INLINE = [
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "a style attribute"),
    (re.compile(r"<style", re.IGNORECASE), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: address"),
    (re.compile(r"<script(?![^>]*\b(src=|type=\"application/json\"))", re.IGNORECASE), "an inline script"),
]


def test_no_template_holds_inline_script_or_style():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_the_inline_script_check_would_find_one():
    """The patterns above catch what they are for (so the test before cannot pass by matching nothing)."""
    samples = ['<p style="color:red">', "<style>p{}</style>", '<a onclick="x()">', '<a href="javascript:x()">',
               "<script>alert(1)</script>"]
    for sample, (pattern, _) in zip(samples, INLINE):
        assert pattern.search(sample), sample
    assert not INLINE[4][0].search('<script type="application/json" id="kring-settings">')
    assert not INLINE[4][0].search('<script src="/static/kring.js" defer>')


def test_the_qr_code_carries_no_style():
    svg = qr_svg("https://kring.example.org/c/1/meetings/2/join")
    assert svg.startswith("<svg") and "style" not in svg.lower()


def test_the_live_script_sets_no_style_attribute():
    """The script may set element.style (CSSOM, allowed); a style attribute or inline code would be refused."""
    for path in (ROOT / "static").glob("*.js"):
        script = path.read_text()
        for forbidden in ("setAttribute(\"style\"", "setAttribute('style'", "cssText", "eval(", "new Function",
                          "style=", "<script"):
            assert forbidden not in script, (path.name, forbidden)


# --- Behind a proxy -----------------------------------------------------------------------

PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kring.example.org", "X-Forwarded-For": "203.0.113.7"}


def proxied(template_database: Path, tmp_path: Path, proxies: int | None) -> Iterator[Flask]:
    """An app on a copy of the database, served without a fixed host name; `proxies`: PROXY_FIX, if given."""
    config = {**config_for(tmp_path / "kring.sqlite3"), "SERVER_NAME": None}
    if proxies is not None:
        config["PROXY_FIX"] = proxies
    databases.copy(template_database, tmp_path / "kring.sqlite3")
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def behind_proxy(template_database, tmp_path) -> Iterator[Flask]:
    yield from proxied(template_database, tmp_path, 1)


@pytest.fixture
def not_configured(template_database, tmp_path) -> Iterator[Flask]:
    yield from proxied(template_database, tmp_path, 0)


def sign_in_through(app: Flask, headers: dict) -> tuple:
    """Sign Joost in with these request headers; the sign-in response and the home page after it."""
    with app.test_request_context():
        made = samen_vooruit()
        url = sign_in_url(db.session.get(Member, made.member_ids["Joost"]), external=False)
    client = app.test_client()
    page = client.get(url, headers=headers)
    assert page.status_code == 200
    signed_in = client.post(url, data={"csrf_token": find_csrf_token(page.text)},
                            headers={**headers, **referer(page, url, headers)})
    assert signed_in.status_code == 303, signed_in.text
    projector = client.get(f"/c/{made.circle_id}/meetings/{made.meeting_id}/projector", headers=headers)
    return signed_in, projector


def referer(page, path: str, headers: dict) -> dict:
    """The Referer a browser sends with a form posted from `page` (at `path`), as the page's policy allows.

    Over https Flask-WTF refuses a form without a same-origin Referer, so a page
    whose forms must work there cannot be `no-referrer`.
    """
    if page.headers["Referrer-Policy"] == "no-referrer":
        return {}
    scheme, host = headers.get("X-Forwarded-Proto", "http"), headers.get("X-Forwarded-Host", "localhost")
    return {"Referer": f"{scheme}://{host}{path}"}


def cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_behind_a_proxy_over_https_cookies_are_secure_and_links_https(behind_proxy):
    signed_in, projector = sign_in_through(behind_proxy, PROXY)
    made = cookies(signed_in)
    assert made.keys() >= {"session", "remember_token"}
    for header in made.values():
        assert re.search(r";\s*Secure(;|$)", header), header
        assert "HttpOnly" in header and "SameSite=Lax" in header, header
    assert signed_in.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert signed_in.headers["Location"].startswith("/c/")  # a path: stays on the host the proxy serves
    assert projector.status_code == 200
    # The join link on the projector (what its QR code holds) is https, on the proxy's host.
    assert re.search(r'class="short-link">https://kring\.example\.org/c/\d+/meetings/\d+/join<', projector.text)
    assert_protected(projector)


def test_behind_a_proxy_over_plain_http_cookies_are_not_secure(behind_proxy):
    signed_in, projector = sign_in_through(behind_proxy, {"X-Forwarded-Proto": "http",
                                                          "X-Forwarded-Host": "kring.example.org"})
    for header in cookies(signed_in).values():
        assert "Secure" not in header, header
    assert "Strict-Transport-Security" not in signed_in.headers
    assert "http://kring.example.org/c/" in projector.text


def test_without_the_setting_forwarded_headers_are_not_believed(not_configured):
    signed_in, projector = sign_in_through(not_configured, PROXY)
    for header in cookies(signed_in).values():
        assert "Secure" not in header, header
    assert "Strict-Transport-Security" not in signed_in.headers
    assert "kring.example.org" not in projector.text and "https://" not in projector.text
    assert re.search(r'class="short-link">http://localhost/c/', projector.text)


def test_the_setting_comes_from_the_environment(template_database, tmp_path, monkeypatch):
    monkeypatch.setenv("KRING_PROXY_FIX", "2")
    for app in proxied(template_database, tmp_path, None):
        assert app.config["PROXY_FIX"] == 2
        assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_proto == 2 and app.wsgi_app.x_for == 2
