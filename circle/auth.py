"""Signing in with a personal link: no passwords, nothing to remember.

Each member gets a link holding a signed token: who they are and the
version of their sign-in. Opening the link shows a page with one button;
only pressing it signs in (chat apps open links to preview them, and a
preview must not sign anyone in). Revoking raises the member's version:
every link and every remembered phone of that member stops working at once.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer

from circle.extensions import db, login
from circle.i18n import local_path
from circle.models import Member

bp = Blueprint("auth", __name__)

SALT = "kring-sign-in"
#: Where a visitor wanted to go before they had to sign in (kept in their session).
AFTER_SIGN_IN = "after_sign_in"


def _serializer() -> URLSafeTimedSerializer:
    """Signs and reads sign-in tokens with the installation's secret key."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def sign_in_token(member: Member) -> str:
    """The token in a member's personal link: their id and sign-in version, signed."""
    return _serializer().dumps({"m": member.id, "v": member.sign_in_version})


def sign_in_url(member: Member, external: bool = True) -> str:
    """A member's personal sign-in link."""
    return url_for("auth.sign_in_link", token=sign_in_token(member), _external=external)


def member_from_token(token: str) -> Member | None:
    """The member a token signs in, or None if it is forged, expired or revoked.

    Links do not expire unless SIGN_IN_MAX_AGE (seconds) is set.
    """
    try:
        data = _serializer().loads(token, max_age=current_app.config.get("SIGN_IN_MAX_AGE"))
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    member_id, version = data.get("m"), data.get("v")
    if not isinstance(member_id, int) or not isinstance(version, int):
        return None
    return _current(member_id, version)


def _current(member_id: int, version: int) -> Member | None:
    """The member, if they are still in their circle and this sign-in was not revoked."""
    member = db.session.get(Member, member_id)
    if member is None or not member.active or member.sign_in_version != version:
        return None
    return member


def revoke(member: Member) -> None:
    """End every sign-in link and remembered phone of a member; the caller commits."""
    member.sign_in_version += 1


def member_of(circle_id: int) -> Member:
    """The signed-in member, for a page of circle `circle_id`.

    Anonymous visitors go to the sign-in page; members of another circle get
    404, so a page does not even tell that the circle exists.
    """
    if not current_user.is_authenticated:
        abort(login.unauthorized())
    if current_user.circle_id != circle_id:
        abort(404)
    return current_user._get_current_object()


def sign_in_then(target: str):
    """Send an anonymous visitor to sign in, and bring them back to `target` (a path) afterwards.

    The personal link is opened apart from the page that asked for it (from a
    chat or an e-mail), so a `next` in the URL gets lost on the way: the
    target waits in the session until the sign-in button is pressed.
    """
    session[AFTER_SIGN_IN] = target
    return login.unauthorized()


def load_member(user_id: str) -> Member | None:
    """Find the member of a session or remembered phone ("id:version"); revoked ones are gone."""
    try:
        member_id, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    return _current(member_id, version)


def _private(response):
    """Keep a page that carries a token out of caches, search engines and Referer headers."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/s/<token>")
def sign_in_link(token: str):
    """Opening a personal link: ask to confirm with a button."""
    member = member_from_token(token)
    if member is None:
        return _private(current_app.make_response((render_template("auth/bad_link.html"), 400)))
    return _private(current_app.make_response(render_template("auth/confirm.html", member=member)))


@bp.post("/s/<token>")
def confirm_sign_in(token: str):
    """The button on that page: sign in on this phone, and stay signed in."""
    member = member_from_token(token)
    if member is None:
        return _private(current_app.make_response((render_template("auth/bad_link.html"), 400)))
    login_user(member, remember=True)
    flash(_("Welcome, %(name)s.", name=member.name), "success")
    target = local_path(session.pop(AFTER_SIGN_IN, None))
    return redirect(target or url_for("circles.home", circle_id=member.circle_id), code=303)


@bp.get("/")
def start():
    """The front door: your circle when signed in, else how to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("circles.home", circle_id=current_user.circle_id))
    return redirect(url_for("auth.sign_in"))


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


def init_app(app: Flask) -> None:
    """Register the sign-in pages and tell Flask-Login how to find members."""
    app.register_blueprint(bp)
    login.user_loader(load_member)
    login.login_view = "auth.sign_in"
    login.login_message = _l("Please sign in with your personal link.")
    login.login_message_category = "info"
