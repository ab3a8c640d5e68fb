"""Help pages for members: how the method works, in plain words (docs/plain-language.md).

Public, without signing in: a member may open them from the sign-in link's page, and a
neighbour who wonders how the circle decides may read them too.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("help", __name__)


@bp.get("/help/rounds")
def rounds():
    """How does a round work? With pictures: the ring of seats, consent, an objection."""
    return render_template("help/rounds.html")
