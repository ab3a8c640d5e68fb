"""What every page handler shares: run an action, show its refusal in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect
from flask_babel import gettext

from circle.actions import Done
from circle.extensions import db
from circle.forms import KringForm, first_error
from circle.broadcast import tell_the_room
from circle.method import RuleBroken
from circle.models import Circle


def circle_or_404(circle_id: int) -> Circle:
    """The circle of the URL, or 404."""
    circle = db.session.get(Circle, circle_id)
    if circle is None:
        abort(404)
    return circle


def act(form: KringForm | None, action: Callable[..., Done], *args: Any, **kwargs: Any) -> Done | None:
    """Run an action when the form is valid; flash what went wrong otherwise.

    Returns what the action did, or None when the form or the method refused it
    (and then nothing was stored).
    """
    if form is not None and not form.validate_on_submit():
        flash(first_error(form) or gettext("Please check what you entered."), "error")
        return None
    try:
        done = action(*args, **kwargs)
    except RuleBroken as refused:
        flash(gettext(refused.message), "error")
        return None
    tell_the_room(done)  # a form post changes every live screen of the meeting too
    return done


def back(url: str):
    """Redirect after a post, so a reload never posts again."""
    return redirect(url, code=303)
