"""Members' sign-in links from the circle's page: a printable handout with a QR code, revoke and renew.

The facilitator and the secretary hand out links (a member without a
smartphone gets a printed handout, scanned by a neighbour's phone or typed
in); only a facilitator hands out a facilitator's. A link is the person's, and
opens every circle they belong to, so only someone who may hand it out in each
of those circles may make or revoke it; otherwise an administrator does it on
the command line (`revoke-link`).
Revoking raises the person's sign-in version: their links, remembered phones
and open connections stop at once (circle/auth.py). Links are keys, not
decisions: none of this goes into the circle's record.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from circle import clock
from circle.actions import allowed
from circle.auth import keep_private, link_valid_until, member_of, revoke, sign_in_url
from circle.extensions import db
from circle.method import Action, Role, RuleBroken, may, require
from circle.models import Member
from circle.text import say
from circle.views.common import back
from circle.views.live_pages import qr_svg

bp = Blueprint("links", __name__)

PREFIX = "/c/<int:circle_id>/members/<int:member_id>"


def may_hand_out(actor_role: Role, their_role: Role) -> bool:
    """Whether someone in `actor_role` may make or revoke the link of someone in `their_role`.

    A link acts with its person's role: the facilitator's link is handed out
    by a facilitator only, or the secretary could sign in as the facilitator.
    """
    return may(actor_role, Action.HAND_OUT_LINKS) and (
        their_role != Role.FACILITATOR or actor_role == Role.FACILITATOR)


def check_hand_out(actor: Member, member: Member) -> None:
    """Refuse to make or revoke `member`'s link unless `actor` may, in every circle the link opens."""
    allowed(actor, Action.HAND_OUT_LINKS)
    require(member.circle_id == actor.circle_id, "not_found")
    require(may_hand_out(actor.role, member.role), "not_allowed")
    require(member.left_on is None or member.left_on > clock.today(), "already_left")
    for elsewhere in member.person.current:
        if elsewhere.circle_id != actor.circle_id:
            theirs = actor.person.membership(elsewhere.circle_id)
            require(theirs is not None and theirs.active and may_hand_out(theirs.role, elsewhere.role),
                    "elsewhere_too")


def _member(circle_id: int, member_id: int) -> tuple[Member, Member]:
    """The reader (facilitator or secretary of the circle) and the member whose link is asked for."""
    me = member_of(circle_id)
    member = db.session.get(Member, member_id)
    if member is None or member.circle_id != circle_id:
        abort(404)
    return me, member


@bp.get(PREFIX + "/handout")
def handout(circle_id: int, member_id: int):
    """One printable page for one member: their personal link, new, as a QR code and in full."""
    me, member = _member(circle_id, member_id)
    try:
        check_hand_out(me, member)
    except RuleBroken as refused:
        flash(_(refused.message), "error")
        return back(url_for("circles.home", circle_id=circle_id, _anchor="members"))
    url = sign_in_url(member)
    return keep_private(make_response(render_template(
        "links/handout.html", me=me, member=member, circle=member.circle, url=url,
        qr=qr_svg(url, title=str(_l("Scan to sign in"))), valid_until=link_valid_until())))


@bp.post(PREFIX + "/revoke")
def revoke_link(circle_id: int, member_id: int):
    """Revoke a member's links, remembered phones and open connections; then their new handout."""
    me, member = _member(circle_id, member_id)
    try:
        check_hand_out(me, member)
    except RuleBroken as refused:
        flash(_(refused.message), "error")
        return back(url_for("circles.home", circle_id=circle_id, _anchor="members"))
    revoke(member.person)
    flash(say(_("The old links of %(name)s no longer work, and their phones are signed out. "
                "Here is their new link."), name=member.name), "success")
    return back(url_for(".handout", circle_id=circle_id, member_id=member_id))
