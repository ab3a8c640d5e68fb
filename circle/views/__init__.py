"""The pages of Kring: one blueprint per part, and error pages in the reader's language."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from circle.extensions import db


def init_app(app: Flask) -> None:
    """Register the page blueprints and the error pages."""
    from circle.views import circles, decisions, live_pages, meetings, proposals  # noqa: F401

    # live_pages adds the projector and join pages to the meetings blueprint.

    for module in (circles, proposals, meetings, decisions):
        app.register_blueprint(module.bp)
    from circle.views import corrections, settings  # correcting the record; its public switch
    from circle.views import between  # rounds between meetings, on the proposal page; closing them when due
    app.register_blueprint(between.bp)
    app.register_blueprint(corrections.bp)
    app.register_blueprint(settings.bp)
    from circle.views.minutes import bp as minutes_bp  # minutes, record downloads, reviews
    app.register_blueprint(minutes_bp)
    from circle.views.logbook import bp as logbook_bp  # the decision list, searchable
    app.register_blueprint(logbook_bp)
    from circle.views.links import bp as links_bp  # members' sign-in links: handouts, revoking
    app.register_blueprint(links_bp)
    from circle.views.guests import bp as guests_bp  # a meeting's guest link: follow it for a day
    app.register_blueprint(guests_bp)
    from circle.views import agenda, tasks  # between meetings: the agenda put forward and shaped; tasks
    app.register_blueprint(agenda.bp)
    app.register_blueprint(tasks.bp)
    from circle.views import email_link, privacy  # a sign-in link by e-mail; what Kring holds about you
    app.register_blueprint(email_link.bp)
    app.register_blueprint(privacy.bp)
    from circle.views import notices, share  # your notices; a message for the group's chat
    app.register_blueprint(notices.bp)
    app.register_blueprint(share.bp)
    from circle.views import roles  # roles held for a term, the circle's aim, its sub-circles
    app.register_blueprint(roles.bp)
    from circle.views import elections  # writing an election for a role: a draft for the agenda
    app.register_blueprint(elections.bp)
    from circle.views import help  # how a round works, in plain words: public
    app.register_blueprint(help.bp)
    from circle.views import reading  # larger text, each person's own choice
    app.register_blueprint(reading.bp)
    from circle.views import meeting_handout  # a meeting on paper, for members without a smartphone
    app.register_blueprint(meeting_handout.bp)

    app.register_error_handler(CSRFError, _form_expired)
    app.register_error_handler(InternalServerError, _server_error)
    for code in ERRORS:
        app.register_error_handler(code, _error_page)


#: Title and explanation of each error page, translated when the page is shown.
ERRORS = {
    400: (_l("Something went wrong"),
          _l("The page could not handle what was sent. Please try again.")),
    403: (_l("Not allowed"),
          _l("You may not do this.")),
    404: (_l("Page not found"),
          _l("This page does not exist, or it is not yours to see.")),
    405: (_l("Something went wrong"),
          _l("This page cannot be used like this.")),
    413: (_l("Too long"),
          _l("What you sent is too long. Please make it shorter.")),
}


def _error_page(error: HTTPException):
    """A short page saying what went wrong, with the right status code."""
    title, message = ERRORS.get(error.code, ERRORS[400])
    return render_template("error.html", code=error.code, title=title,
                           message=message), error.code


def _server_error(error: InternalServerError):
    """Something broke while answering: undo what the request wrote, and say so kindly.

    Flask has logged the error with its traceback before calling this (as the
    socket path does in live.py). The session is rolled back, so nothing half
    done is stored and the page below can still read the signed-in member.
    """
    db.session.rollback()
    title, message = _("Something went wrong"), _(
        "Something went wrong on the server; nothing was changed. Please try again.")
    try:
        return render_template("error.html", code=500, title=title, message=message), 500
    except Exception:  # the database itself may be what failed: a page without it
        current_app.logger.exception("the error page could not be drawn")
        return f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>", 500


def _form_expired(error: CSRFError):
    """A form sent without its token, or too late: ask to try again."""
    return render_template("error.html", code=400, title=_("Please try again"),
                           message=_("The form expired, please try again.")), 400
