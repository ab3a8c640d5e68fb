"""Signing in with a personal link: no passwords, nothing to remember.

Each person gets a link holding a signed token: who they are, the version of
their sign-in, and when the link was made. Opening the link shows a page with
one button; only pressing it signs in (chat apps open links to preview them,
and a preview must not sign anyone in). One sign-in serves all the person's
circles; what they may do in each follows from their membership there
(`member_of`).

A link expires SIGN_IN_MAX_AGE seconds after it was made (90 days unless set),
so a lost note stops being a key by itself; a phone that signed in stays
signed in. Revoking raises the person's version: every link, every remembered
phone and every open connection of that person stops at once
(docs/membership.md, "Signing in").
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from circle import clock, presence
from circle.extensions import db, login
from circle.text import say
from circle.i18n import local_path
from circle.models import Circle, Member, Person

bp = Blueprint("auth", __name__)

SALT = "kring-sign-in"
#: Where a visitor wanted to go before they had to sign in (kept in their session).
AFTER_SIGN_IN = "after_sign_in"
#: How long a personal link works unless the installation sets SIGN_IN_MAX_AGE: 90 days.
DEFAULT_MAX_AGE = 90 * 24 * 60 * 60
#: How far ahead of this server's clock another server's may run: its fresh links work here too.
LEEWAY = 5 * 60


class _ClockSigner(TimestampSigner):
    """Dates links by Kring's clock, so their age is measured like every other moment (docs/time.md)."""

    ahead = 0

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=dt.UTC).timestamp()) + self.ahead


class _ReadingSigner(_ClockSigner):
    """Measures a link's age from LEEWAY later, so one dated up to LEEWAY in the future is still good."""

    ahead = LEEWAY


def _serializer(signer: type[TimestampSigner] = _ClockSigner) -> URLSafeTimedSerializer:
    """Signs (and, with `_ReadingSigner`, reads) sign-in tokens with the installation's secret key."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=signer)


def max_age() -> int:
    """How many seconds a personal link works after it was made."""
    return int(current_app.config.get("SIGN_IN_MAX_AGE") or DEFAULT_MAX_AGE)


def link_valid_until() -> dt.datetime:
    """Until when a link made now works (UTC): printed on a handout."""
    return clock.now() + dt.timedelta(seconds=max_age())


def _person(who: Person | Member) -> Person:
    """A membership's person; a person as is: a link belongs to the person."""
    return who.person if isinstance(who, Member) else who


def sign_in_token(who: Person | Member) -> str:
    """The token in a person's personal link: their id and sign-in version, signed and dated."""
    person = _person(who)
    return _serializer().dumps({"p": person.id, "v": person.sign_in_version})


def sign_in_url(who: Person | Member, external: bool = True) -> str:
    """A person's personal sign-in link (for a member: their person's), made now."""
    return url_for("auth.sign_in_link", token=sign_in_token(who), _external=external)


def read_link(token: str) -> tuple[Person | None, bool]:
    """The person a link signs in, or None if it is forged, revoked or too old; and whether it was too old."""
    try:
        data = _serializer(_ReadingSigner).loads(token, max_age=max_age() + LEEWAY)
    except SignatureExpired:
        return None, True
    except BadData:
        return None, False
    if not isinstance(data, dict):
        return None, False
    version = data.get("v")
    if "p" in data:
        person_id = data["p"]
    else:  # a link made before people had several circles: {"m": member id, "v": version}
        member = db.session.get(Member, data["m"]) if _is_id(data.get("m")) else None
        person_id = member.person_id if member is not None else None
    if not _is_id(person_id) or not _is_id(version):
        return None, False
    return _current(person_id, version), False


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _current(person_id: int, version: int) -> Person | None:
    """The person, if this sign-in was not revoked and they are a member of a circle today."""
    person = db.session.get(Person, person_id)
    if person is None or person.sign_in_version != version or not person.current:
        return None
    return person


def load_person(user_id: str) -> Person | None:
    """Find the person of a session or remembered phone ("id:version"); revoked ones are gone."""
    try:
        person_id, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    return _current(person_id, version)


def revoke(person: Person) -> None:
    """End every sign-in link, remembered phone and open connection of a person, at once.

    Commits the raised version first, so no server accepts the old sign-in from
    then on, then closes the person's live connections, on whichever server
    process holds them (circle/presence.py).
    """
    db.session.execute(sa.update(Person).where(Person.id == person.id)
                       .values(sign_in_version=Person.sign_in_version + 1))  # two at once: both count
    db.session.commit()
    presence.close_person(person.id)
    current_app.logger.info("sign-in of person %s revoked (version %s)", person.id, person.sign_in_version)


def member_of(circle_id: int) -> Member:
    """The signed-in person's membership of circle `circle_id`, for a page of that circle.

    Anonymous visitors go to the sign-in page; a person who is not (or no
    longer) a member of this circle gets 404, so a page does not even tell that
    the circle exists.
    """
    if not current_user.is_authenticated:
        abort(login.unauthorized())
    member = current_user.membership(circle_id)
    if member is None or not member.active:
        abort(404)
    g.circle_here = member.circle
    return member


def sign_in_then(target: str):
    """Send an anonymous visitor to sign in, and bring them back to `target` (a path) afterwards.

    The personal link is opened apart from the page that asked for it (from a
    chat or an e-mail), so a `next` in the URL gets lost on the way: the
    target waits in the session until the sign-in button is pressed.
    """
    session[AFTER_SIGN_IN] = target
    return login.unauthorized()


def home_of(person: Person) -> str:
    """Where a person starts: their circle when they have one, else the list of their circles."""
    current = person.current
    if len(current) == 1:
        return url_for("circles.home", circle_id=current[0].circle_id)
    return url_for("auth.you")


def keep_private(response):
    """Keep a page that carries a token out of caches, search engines and other hosts' Referer headers.

    `same-origin`, not `no-referrer`: the page's own forms (the sign-in button, the
    language switch) must carry a Referer to Kring itself, or over https Flask-WTF
    refuses them; another host is never told the address (circle/headers.py).
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _bad_link(expired: bool):
    seconds = max_age()
    page = render_template("auth/bad_link.html", expired=expired, days=seconds // 86400,
                           hours=max(1, seconds // 3600))
    return keep_private(current_app.make_response((page, 400)))


@bp.get("/s/<token>")
def sign_in_link(token: str):
    """Opening a personal link: ask to confirm with a button."""
    person, expired = read_link(token)
    if person is None:
        return _bad_link(expired)
    circles = [m.circle for m in person.current]
    return keep_private(current_app.make_response(
        render_template("auth/confirm.html", person=person, circles=circles)))


@bp.post("/s/<token>")
def confirm_sign_in(token: str):
    """The button on that page: sign in on this phone, and stay signed in."""
    person, expired = read_link(token)
    if person is None:
        return _bad_link(expired)
    login_user(person, remember=True)
    flash(say(_("Welcome, %(name)s."), name=person.name), "success")
    target = local_path(session.pop(AFTER_SIGN_IN, None))
    return redirect(target or home_of(person), code=303)


@bp.get("/")
def start():
    """The front door: your circle (or your circles) when signed in, else how to sign in."""
    if current_user.is_authenticated:
        return redirect(home_of(current_user))
    return redirect(url_for("auth.sign_in"))


@bp.get("/you")
@login_required
def you():
    """Who you are here: your circles and your role in each, and signing out everywhere."""
    return render_template("auth/you.html", memberships=current_user.current)


@bp.get("/sign-in")
def sign_in():
    """Where people land when they are not signed in: how to get in."""
    return render_template("auth/sign_in.html")


@bp.post("/sign-out")
def sign_out():
    """Sign out on this phone; the personal link keeps working."""
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.sign_in"), code=303)


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """Sign out on every phone and computer, and end every link: for a lost phone or a shared link."""
    revoke(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out everywhere. Your old links no longer work: ask your facilitator "
            "or secretary for a new one."), "success")
    return redirect(url_for("auth.sign_in"), code=303)


def _page_context() -> dict:
    """`here` for every template: the circle the page is about, else the signed-in person's only circle."""
    here: Circle | None = g.get("circle_here")
    if here is None and current_user.is_authenticated:
        current = current_user.current
        here = current[0].circle if len(current) == 1 else None
    return {"here": here}


def init_app(app: Flask) -> None:
    """Register the sign-in pages and tell Flask-Login how to find people."""
    app.register_blueprint(bp)
    app.context_processor(_page_context)
    login.user_loader(load_person)
    login.login_view = "auth.sign_in"
    login.login_message = _l("Please sign in with your personal link.")
    login.login_message_category = "info"
