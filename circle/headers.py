"""What every response tells the browser about itself, and Kring behind a proxy.

`SecurityHeaders` wraps the whole application (pages, static files, errors,
the Socket.IO endpoint), so no response goes out without:

- a Content-Security-Policy that lets a page load scripts, styles, images and
  connections from its own origin only, and nothing inline: no `<script>`
  with code in it, no `style` attribute, no `on…=` handler (the templates
  hold none; `<script type="application/json">` data blocks are not run);
  no page may be framed (`frame-ancestors 'none'`), no form may post
  elsewhere, no `<base>` or plug-in;
- `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (for browsers
  older than frame-ancestors), and `Referrer-Policy: same-origin`, unless a
  page set its own (a page with a sign-in token keeps `no-referrer`,
  circle/auth.py).

A response sent over https (directly, or behind a proxy that says so, see
below) also marks every cookie `Secure` and carries Strict-Transport-Security.

Behind a reverse proxy, set `PROXY_FIX` (environment: `KRING_PROXY_FIX=1`)
to the number of proxies in front of Kring: Werkzeug's ProxyFix then takes
the client's address, the scheme, host and port from that many
`X-Forwarded-For/-Proto/-Host/-Port` headers, so links are made with https
and the proxy's host name, and cookies are Secure. Leave it unset when
nothing stands in front: then those headers are anyone's to forge. See
docs/security.md, "Pages, headers and cookies".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

#: The policy, one directive a line. connect-src 'self' takes in the WebSocket to the same host.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
])

#: Sent with every response that does not carry its own.
HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)
#: Over https: browsers come back over https only, for a year.
STRICT_TRANSPORT = ("Strict-Transport-Security", "max-age=31536000")


class SecurityHeaders:
    """WSGI middleware: the headers above on every response; over https, Secure cookies and HSTS."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            have = {name.lower() for name, _ in headers}
            if secure:
                headers = [(name, secure_cookie(value) if name.lower() == "set-cookie" else value)
                           for name, value in headers]
            extra = [h for h in HEADERS + ((STRICT_TRANSPORT,) if secure else ()) if h[0].lower() not in have]
            return start_response(status, headers + extra, exc_info) if exc_info else \
                start_response(status, headers + extra)

        return self.app(environ, start)


def secure_cookie(header: str) -> str:
    """A Set-Cookie value with the Secure attribute (added once)."""
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    return header if "secure" in attributes else header + "; Secure"


def init_app(app: Flask) -> None:
    """Wrap the whole application, outermost (create_app calls this last).

    ProxyFix goes outside everything else, so every layer (the limits in
    circle/guard.py among them) sees the client's own address and scheme.
    """
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                                x_port=proxies)
