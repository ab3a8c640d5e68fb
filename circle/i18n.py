"""Languages (circle.LANGUAGES): Dutch first, then English, Turkish and Arabic; the person's own
choice wins over the browser's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from flask import (
    Blueprint,
    Flask,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_babel import force_locale, format_date, format_datetime, format_time, get_locale, get_translations
from flask_login import current_user

from circle.extensions import db

bp = Blueprint("i18n", __name__)

#: The language switch's short name for a language whose code in capitals is not in its own script.
LANGUAGE_LABELS = {"ar": "عربي"}


def select_locale() -> str:
    """The language of this request: the choice made on this phone, else the person's, else their
    browser's, else Dutch. A signed-in person's choice goes with them to every phone they sign in on.

    An event on a live connection speaks the language the connection was made in (circle/live.py), as
    the parts its page is sent do: worked out once, not from the person's row at every event."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")
    connected_in = request.environ.get("kring.lang")  # a live connection keeps the language it connected in
    if connected_in in languages:
        return connected_in
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or "nl"


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: never redirect to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\evil.example" as "//evil.example" and drop tabs and newlines.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.post("/lang")
def set_language():
    """Remember the language a person picked, and go back to the page they were on."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.language != lang:
            current_user.language = lang
            db.session.commit()
    back = local_path(request.form.get("next")) or _referrer_path() or "/"
    return redirect(back, code=303)


def _referrer_path() -> str | None:
    """The page this request came from, if it was a page of this site."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return local_path(parts.path + ("?" + parts.query if parts.query else ""))


def _template_context() -> dict:
    """Give every template the current language and the languages to switch to."""
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return {
        "current_locale": locale,
        "text_direction": text_direction(locale),
        "languages": [(code, LANGUAGE_LABELS.get(code, code.upper()), own_name(code))
                      for code in current_app.config["LANGUAGES"]],
    }


def text_direction(code: str) -> str:
    """"rtl" for a language written right to left (Arabic), else "ltr": CLDR knows, through babel."""
    return Locale.parse(code).text_direction


def own_name(code: str) -> str:
    """A language's name in that language, e.g. "Türkçe": what the switch lists."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _date(value: dt.date | dt.datetime | None, format: str = "medium") -> str:
    """A date in the reader's language, e.g. "12 nov 2025"."""
    return "" if value is None else format_date(value, format)


def _datetime(value: dt.datetime | None, format: str = "medium") -> str:
    """A moment (stored in UTC) in the reader's language and time zone."""
    return "" if value is None else format_datetime(value, format)


def _time(value: dt.datetime | None, format: str = "short") -> str:
    """The time of day of a moment (stored in UTC), in the reader's language and time zone, e.g. "19:33"."""
    return "" if value is None else format_time(value, format)


#: The translations of the language being drawn in (`drawing_in`), else None.
_held: ContextVar[Any] = ContextVar("kring.translations", default=None)


@contextmanager
def drawing_in(lang: str) -> Iterator[None]:
    """Flask-Babel's `force_locale`, with the language's translations looked up once for everything drawn in
    it: the parts sent to a room ask the templates' `_` hundreds of times, and Flask-Babel finds the
    translations anew at each call, a fifth of the drawing (docs/performance/statements.md, "Building
    less for each event")."""
    with force_locale(lang):
        token = _held.set(get_translations())
        try:
            yield
        finally:
            _held.reset(token)


def _translations() -> Any:
    held = _held.get()
    return held if held is not None else get_translations()


def init_app(app: Flask) -> None:
    """Add the language switch, the template context and the date filters to the app; the templates'
    `_` and its kin take the translations `drawing_in` holds, else Flask-Babel's as it installs them."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.register_blueprint(bp)
    app.context_processor(_template_context)
    app.add_template_filter(_date, "date")
    app.add_template_filter(_datetime, "datetime")
    app.add_template_filter(_time, "time")
