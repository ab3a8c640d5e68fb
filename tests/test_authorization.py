"""Who may do what: every route and every socket event, for every kind of visitor, in one table.

Each line of the table below is one route (method and rule of `app.url_map`), one
step of the meeting (its page route and its socket event together: they run the
same action, docs/steps.md) or one other socket event (circle/live.py), with a
variant where the same address means something else for someone else (one's
own objection or someone else's). Its columns say what each kind of visitor
meets (column heads in brackets):

    anonymous (anon)    not signed in; the circle's record is not public
    public              not signed in; the circle made its record public (names: first name only)
    guest               signed in, a guest of the circle (Role.GUEST)
    stranger (other)    signed in as the facilitator of another circle (Bob)
    member              signed in, a member of the circle (Joost)
    dual                signed in, a member of the circle who facilitates another circle
                        (Dewi): one person, two memberships; her role there counts for nothing here
    secretary (secr)    signed in, the circle's secretary (Fatima)
    facilitator (facil) signed in, the circle's facilitator (Anna)

Outcomes (each is checked, and every refusal also checks that nothing stored changed):

    OK      allowed: the page (200), or the write done (303 or 200, with one log entry more,
            or for a sign-in a changed version), or the socket event acknowledged with ok
    OUT     not for someone signed out: a page redirects (302) to the sign-in page, a socket
            is refused at connect (`not_allowed`)
    HIDDEN  as if it did not exist: a page answers 404, a socket is refused at connect
            (`not_found`), for another circle's meeting, say
    HOME    a redirect (302) to where the visitor starts: their circle, or the list of their circles
    E400, E403   that status
    SHOWN   a page (200) instead of the step, nothing stored (a guest on the join page, someone
            of the circle on its guest link)
    NA, NYO, NP, ...   refused by the method with that code (`not_allowed`,
            `not_your_objection`, `not_proposer`, ...): a page flashes its message (303
            back, or 422), a socket acknowledges `{"ok": false, "error": code}`

Every case runs on a copy of one of a few scenes built once for the module
(a meeting planned; open with nobody marked; open with everyone present; a
round open; a round in turn; a consent round with two objections; a proposal
consented to; a decision taken and the meeting closed; rounds between meetings, one
open and one closed; an election whose nominations are in, in a meeting or between meetings), through the real
SQLite file and Flask-SocketIO's test client, with the visitor's own cookies
and a CSRF token taken from a page they were shown; every response must carry
the security headers of circle/headers.py (a CSP with frame-ancestors 'none' and
nothing inline, nosniff, a same-origin or no-referrer Referrer-Policy). Besides the table, every
route with an id under the circle runs "crossed" both ways (`CROSSED`): the
other circle's address with this circle's ids, and this circle's address with
the other circle's ids (where its record is public, for the public too). The
thing must be HIDDEN from everyone (signed out: OUT); only a role refused before
the id is looked up keeps its refusal (E403, `not_allowed`), and where the
action rather than the page looks the id up, it answers `not_found`. And every
post runs once more without its CSRF token (`UNTOKENED`), as another site's
page would send it: 400 for everyone, nothing stored.

Size: 155 rows (99 routes, 34 steps as a route and an event, 22 other events)
× 8 visitors = 1240 cells; 3,016 cases with the step events, the crossed ids and the posts without a token.
`test_the_table_names_every_route_and_event` fails when a route or event has no
row, when a row names one that is gone, and when this count is out of date.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from aiosmtpd.controller import Controller
from flask_socketio.test_client import SocketIOTestClient
from socketio import packet

from circle import between, clock, create_app, elections, facilitation, meetings, proposals, rounds
from circle.auth import revoke, sign_in_token
from circle.circles import add_member, create_circle, set_public_record
from circle.extensions import db, socketio
from circle.method import MESSAGES, Answer, NameDisplay, ProposalKind, RoleKind, Role, RoundKind, RoundMode
from circle.models import (
    CircleRole, Contribution, LogEntry, Meeting, Member, Objection, Proposal, Round, RoundStatus, Task,
)
from circle.agenda import put_forward_topic
from circle.roles import record_term
from circle.tasks import add_task
from circle.steps import STEPS
from circle.views.guests import guest_token
from circle.views.minutes import ics_token
from tests import databases
from tests.conftest import config_for, find_csrf_token, sign_in_with_link
from tests.days import TODAY, days
from tests.mailbox import Mailbox
from tests.server import free_port
from tests.scenario import PEOPLE, everyone_present, run_round, samen_vooruit

VISITORS = ("anonymous", "public", "guest", "stranger", "member", "dual", "secretary", "facilitator")
#: Who each signed-in visitor is: a name in circle A (Samen Vooruit) or B (Andere Kring).
WHO = {"guest": "Wijkteam", "stranger": "Bob", "member": "Joost", "dual": "Dewi", "secretary": "Fatima",
       "facilitator": "Anna"}
#: Once circle/headers.py is there, every response must carry its Content-Security-Policy.
HEADERS_MODULE = importlib.util.find_spec("circle.headers") is not None


# --- Outcomes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    name: str
    code: str | None = None  # the method's refusal code, for a refusal

    def __repr__(self) -> str:
        return self.name


OK, OUT, HIDDEN, HOME, SHOWN = (Outcome(n) for n in ("OK", "OUT", "HIDDEN", "HOME", "SHOWN"))
E400, E403 = Outcome("E400"), Outcome("E403")


def no(code: str) -> Outcome:
    """Refused by the method with `code`."""
    assert code in MESSAGES, code
    return Outcome(f"no({code})", code)


NA, NYO, NP, UNK = no("not_allowed"), no("not_your_objection"), no("not_proposer"), no("unknown_event")
NOA, NF, ELSEWHERE = no("not_on_agenda"), no("not_found"), no("elsewhere_too")
CLOSED = no("meeting_closed")
NYP, NYT = no("not_your_proposal"), no("not_your_task")


#: What an allowed write does: adds an entry to the circle's log, or changes something else stored.
LOG, STORE = "log", "store"


# --- What a row points at ------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """An id looked up in the scene: `P` is the proposal on the agenda, `ME` the visitor's own id."""

    name: str

    def __repr__(self) -> str:
        return self.name


# Circle A: Samen Vooruit, its meeting M, Aylin's proposal P and Joost's Q on M's agenda, Aylin's R
# waiting in the pool, Joost's (OJ) and Kees's (OK2) objections to P, Joost's contribution C.
A, M, P, Q, R, OJ, OK2, C, KEES, SAMIRA, ME = (Ref(n) for n in (
    "A", "M", "P", "Q", "R", "OJ", "OK2", "C", "Kees", "Samira", "me"))
# Circle B: Andere Kring, its meeting BM, Els's proposal BP, her objection BO and its contribution BC.
B, BM, BP, BO, BC, ELS = (Ref(n) for n in ("B", "BM", "BP", "BO", "BC", "Els"))
LINK, FORGED, REVOKED, EXPIRED = Ref("link"), Ref("forged"), Ref("revoked"), Ref("expired")
DEWI, ANNA = Ref("Dewi"), Ref("Anna")
# Joost's topic T waiting in A's pool; once P is adopted, Joost's task TK of it, and in B Piet's task BT.
T, TK, BT = Ref("T"), Ref("TK"), Ref("BT")
# Between meetings (scene "between"): R has a picture-forming round BR open; S, Joost's second draft, had one.
S, BR = Ref("S"), Ref("BR")
GUEST_LINK, GUEST_FORGED = Ref("guest link"), Ref("guest link forged")  # meeting M's guest link
# Scene "nominated": an election E for the facilitator's role on M's agenda, its nomination round closed.
E = Ref("E")

#: What the ids in a rule stand for, unless a row says otherwise.
URL_IDS = {"circle_id": A, "meeting_id": M, "proposal_id": P, "member_id": KEES, "contribution_id": C,
           "token": LINK}
URL_IDS["task_id"] = TK


@dataclass(frozen=True)
class Row:
    """One line of the table: a route, a step (page and socket), or a socket event."""

    kind: str  # "route", "step" or "event"
    key: str  # "GET /c/<circle_id>/", a step's name, or a socket event's name
    variant: str
    scene: str
    cells: tuple[Outcome, ...]
    where: dict = field(default_factory=dict)  # ids in the URL, or the socket's auth
    writes: str | None = None  # allowed, it adds to the log (LOG) or changes what is stored (STORE)
    of: str | None = None  # a row made from another (crossed, without CSRF token): that row's variant
    csrf: bool = True  # a post carries the CSRF token of a page the visitor was shown

    @property
    def route(self) -> str:
        """The route it posts to or reads (a step: its page form's)."""
        return step_route(self.key) if self.kind == "step" else self.key

    @property
    def sends(self) -> dict:
        """What it posts (a form, besides the CSRF token) or emits (a payload)."""
        if self.kind == "step":
            return PAYLOADS[self.key, self.variant if self.of is None else self.of]
        if self.kind == "event":
            return EVENT_PAYLOADS.get(self.key) or {}
        return POSTED.get(self.key, {})

    @property
    def id(self) -> str:
        return f"{self.key} [{self.variant}]" if self.variant else self.key

    def cell(self, visitor: str) -> Outcome:
        return self.cells[VISITORS.index(visitor)]


def page(key: str, scene: str, *cells: Outcome, variant: str = "", writes: str | None = None, **where: Ref) -> Row:
    return Row("route", " ".join(key.split()), variant, scene, cells, where, writes)


def step(name: str, scene: str, *cells: Outcome, variant: str = "") -> Row:
    return Row("step", name, variant, scene, cells, writes=LOG)


def event(name: str, scene: str, *cells: Outcome, variant: str = "", writes: str | None = None, **auth: Any) -> Row:
    return Row("event", name, variant, scene, cells, auth, writes)


# --- The table ---------------------------------------------------------------------------------
# Scenes: planned, opened (nobody marked), present (everyone marked), round (an opening round,
# open mode; Kees came late, not seated), in_turn (an opening round in turn, Anna speaks),
# objection (P after its consent round: Joost and Kees object), consented (P may be adopted),
# decided (P adopted, the meeting closed), between (R's round between meetings open, S's closed),
# ready (present, and a ready check open), away (present; Anna, who steers, has been away five minutes).

ROUTES = [
    #    method and rule                                                   scene        anon    public  guest  other   member  dual   secr       facil
    page("GET  /",                                                         "planned",   OUT,    OUT,    HOME,  HOME,   HOME,   HOME,  HOME,      HOME),
    page("GET  /sign-in",                                                  "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK),
    page("POST /sign-out",                                                 "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK),
    page("GET  /you",                                                      "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK),
    page("POST /sign-out-everywhere",                                      "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK,        writes=STORE),
    page("GET  /you/data",                                                 "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK),
    page("GET  /you/data.json",                                            "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK),
    page("POST /you/email",                                                "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK,        writes=STORE),
    page("GET  /you/notices",                                              "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK),
    page("POST /you/notices",                                              "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK,        writes=STORE),
    page("POST /you/reading",                                              "planned",   OUT,    OUT,    OK,    OK,     OK,     OK,    OK,        OK,        writes=STORE),
    page("POST /sign-in/email",                                            "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK,        variant="an address nobody has"),
    page("POST /lang",                                                     "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK),
    page("GET  /help/rounds",                                              "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK),
    page("GET  /s/<token>",                                                "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK,        variant="Joost's link"),
    page("GET  /s/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="forged", token=FORGED),
    page("POST /s/<token>",                                                "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK,        variant="Joost's link"),
    page("POST /s/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="forged", token=FORGED),
    page("GET  /s/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="revoked", token=REVOKED),
    page("POST /s/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="revoked", token=REVOKED),
    page("GET  /s/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="expired", token=EXPIRED),
    page("POST /s/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="expired", token=EXPIRED),
    page("GET  /c/<circle_id>/",                                           "planned",   OUT,    OUT,    OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("POST /c/<circle_id>/plan-meeting",                               "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
    page("POST /c/<circle_id>/members",                                    "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("POST /c/<circle_id>/members/<member_id>/leave",                  "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("GET  /c/<circle_id>/members/<member_id>/handout",                "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK),
    page("GET  /c/<circle_id>/members/<member_id>/handout",                "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    ELSEWHERE, ELSEWHERE, variant="Dewi's, who is in B too", member_id=DEWI),
    page("POST /c/<circle_id>/members/<member_id>/revoke",                 "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=STORE),
    page("POST /c/<circle_id>/members/<member_id>/revoke",                 "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    ELSEWHERE, ELSEWHERE, variant="Dewi's, who is in B too", writes=STORE, member_id=DEWI),
    # Only a facilitator hands out (or revokes) the facilitator's link: the secretary would sign in as her.
    page("GET  /c/<circle_id>/members/<member_id>/handout",                "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        variant="Anna's, the facilitator's", member_id=ANNA),
    page("POST /c/<circle_id>/members/<member_id>/revoke",                 "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        variant="Anna's, the facilitator's", writes=STORE, member_id=ANNA),
    page("POST /c/<circle_id>/settings/public-record",                     "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("GET  /c/<circle_id>/proposals/new",                              "planned",   OUT,    OUT,    OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("POST /c/<circle_id>/proposals/new",                              "planned",   OUT,    OUT,    NA,    HIDDEN, OK,     OK,    OK,        OK,        writes=LOG),
    page("GET  /c/<circle_id>/proposals/<proposal_id>/",                   "planned",   OUT,    OUT,    OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/proposals/<proposal_id>/edit",               "planned",   OUT,    OUT,    NA,    HIDDEN, OK,     NA,    OK,        OK,        variant="Joost's draft", proposal_id=Q),
    page("GET  /c/<circle_id>/proposals/<proposal_id>/edit",               "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        variant="Aylin's draft"),
    page("POST /c/<circle_id>/proposals/<proposal_id>/edit",               "planned",   OUT,    OUT,    NA,    HIDDEN, OK,     NA,    OK,        OK,        variant="Joost's draft", writes=LOG, proposal_id=Q),
    page("POST /c/<circle_id>/proposals/<proposal_id>/edit",               "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        variant="Aylin's draft", writes=LOG),
    page("POST /c/<circle_id>/proposals/<proposal_id>/agenda",             "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG, proposal_id=R),
    page("POST /c/<circle_id>/proposals/<proposal_id>/withdraw",           "planned",   OUT,    OUT,    NA,    HIDDEN, OK,     NP,    OK,        NP,        variant="Joost's", writes=LOG, proposal_id=Q),
    page("POST /c/<circle_id>/proposals/<proposal_id>/withdraw",           "planned",   OUT,    OUT,    NA,    HIDDEN, NP,     NP,    OK,        NP,        variant="Aylin's", writes=LOG, proposal_id=R),
    # Between meetings: topics and drafts put forward, the agenda shaped, a decision's tasks.
    page("GET  /c/<circle_id>/topics/new",                                 "planned",   OUT,    OUT,    OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("POST /c/<circle_id>/topics/new",                                 "planned",   OUT,    OUT,    NA,    HIDDEN, OK,     OK,    OK,        OK,        writes=LOG),
    page("POST /c/<circle_id>/proposals/<proposal_id>/put-forward",        "planned",   OUT,    OUT,    NA,    HIDDEN, NYP,    NYP,   OK,        OK,        variant="Aylin's draft", writes=LOG, proposal_id=R),
    page("GET  /c/<circle_id>/proposals/<proposal_id>/write-out",          "planned",   OUT,    OUT,    NA,    HIDDEN, OK,     NA,    OK,        OK,        variant="Joost's topic", proposal_id=T),
    page("POST /c/<circle_id>/proposals/<proposal_id>/write-out",          "planned",   OUT,    OUT,    NA,    HIDDEN, OK,     NA,    OK,        OK,        variant="Joost's topic", writes=LOG, proposal_id=T),
    page("POST /c/<circle_id>/agenda/<meeting_id>/place",         "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
    page("POST /c/<circle_id>/agenda/<meeting_id>/move",          "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
    page("POST /c/<circle_id>/agenda/<meeting_id>/remove",        "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
    page("POST /c/<circle_id>/decisions/<proposal_id>/tasks",              "decided",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
    page("POST /c/<circle_id>/tasks/<task_id>/change",                     "tasked",    OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
    page("POST /c/<circle_id>/tasks/<task_id>/mark",                       "tasked",    OUT,    OUT,    NA,    HIDDEN, OK,     NYT,   OK,        OK,        variant="Joost's task", writes=LOG),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/",                     "round",     OUT,    OUT,    OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/projector",            "round",     OUT,    OUT,    E403,  HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/handout",              "planned",   OUT,    OUT,    E403,  HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/join",                 "opened",    OUT,    OUT,    OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("POST /c/<circle_id>/meetings/<meeting_id>/join",                 "opened",    OUT,    OUT,    SHOWN, HIDDEN, OK,     OK,    OK,        OK,        writes=LOG),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/amend/<proposal_id>",  "objection", OUT,    OUT,    E403,  HIDDEN, E403,   E403,  E403,      OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/minutes",              "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/minutes.md",           "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/minutes.csv",          "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/minutes.json",         "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/decisions/<proposal_id>/",                   "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/decisions.csv",                              "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/logbook/",                                   "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/log.jsonl",                                  "decided",   OUT,    E403,   OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("POST /c/<circle_id>/record/check",                               "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/reviews.ics",                                "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK),
    page("GET  /c/<circle_id>/reviews.ics",                                "decided",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK,        variant="?token= its calendar token"),
    page("GET  /c/<circle_id>/reviews.ics",                                "decided",   OUT,    OK,     OK,    HIDDEN, OK,     OK,    OK,        OK,        variant="?token= another circle's"),
    page("GET  /c/<circle_id>/corrections/contribution/<contribution_id>", "decided",   OUT,    OUT,    E403,  HIDDEN, E403,   E403,  OK,        OK),
    page("POST /c/<circle_id>/corrections/contribution/<contribution_id>", "decided",   OUT,    OUT,    E403,  HIDDEN, E403,   E403,  OK,        OK,        writes=LOG),
    page("GET  /c/<circle_id>/corrections/meeting/<meeting_id>",           "decided",   OUT,    OUT,    E403,  HIDDEN, E403,   E403,  OK,        OK),
    page("POST /c/<circle_id>/corrections/meeting/<meeting_id>",           "decided",   OUT,    OUT,    E403,  HIDDEN, E403,   E403,  OK,        OK,        writes=LOG),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/guests",               "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK),
    page("GET  /c/<circle_id>/meetings/<meeting_id>/guests",               "decided",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    CLOSED,    CLOSED,    variant="the meeting closed"),
    page("GET  /g/<token>",                                                "planned",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK,        variant="M's guest link", token=GUEST_LINK),
    page("POST /g/<token>",                                                "planned",   OK,     OK,     SHOWN, OK,     SHOWN,  SHOWN, SHOWN,     SHOWN,     variant="M's guest link", writes=LOG, token=GUEST_LINK),
    page("GET  /g/<token>",                                                "decided",   OK,     OK,     OK,    OK,     OK,     OK,    OK,        OK,        variant="M's guest link, M closed", token=GUEST_LINK),
    page("POST /g/<token>",                                                "decided",   CLOSED, CLOSED, SHOWN, CLOSED, SHOWN,  SHOWN, SHOWN,     SHOWN,     variant="M's guest link, M closed", token=GUEST_LINK),
    page("GET  /g/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="forged", token=GUEST_FORGED),
    page("POST /g/<token>",                                                "planned",   E400,   E400,   E400,  E400,   E400,   E400,  E400,      E400,      variant="forged", token=GUEST_FORGED),
    # Between meetings: on S (no round open) a round is opened and S amended; in R's open round, answered and closed.
    page("POST /c/<circle_id>/proposals/<proposal_id>/between/start",      "between",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG, proposal_id=S),
    page("POST /c/<circle_id>/proposals/<proposal_id>/between/answer",     "between",   OUT,    OUT,    NA,    HIDDEN, OK,     OK,    OK,        OK,        writes=LOG, proposal_id=R),
    page("POST /c/<circle_id>/proposals/<proposal_id>/between/close",      "between",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG, proposal_id=R),
    page("GET  /c/<circle_id>/proposals/<proposal_id>/between/amend",      "between",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        proposal_id=S),
    page("POST /c/<circle_id>/proposals/<proposal_id>/between/amend",      "between",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG, proposal_id=S),
    # An election E between meetings whose nomination round closed: the facilitator proposes a person.
    page("POST /c/<circle_id>/proposals/<proposal_id>/between/propose-person", "nominated_between", OUT, OUT, NA, HIDDEN, NA, NA, NA,   OK,        writes=LOG, proposal_id=E),
    page("POST /c/<circle_id>/settings/between-meetings",                  "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("POST /c/<circle_id>/settings/takeover",                          "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    # Roles held for a term, the circle's aim and domain, its sub-circles; Anna's term as facilitator nears its end.
    page("POST /c/<circle_id>/aim",                                        "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("POST /c/<circle_id>/roles",                                      "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("POST /c/<circle_id>/roles/terms",                                "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("POST /c/<circle_id>/subcircles",                                 "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    NA,        OK,        writes=LOG),
    page("POST /c/<circle_id>/roles/choose-again",                         "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
    # Writing an election for a role: who puts items on the agenda.
    page("GET  /c/<circle_id>/elections/new",                              "planned",   OUT,    OUT,    E403,  HIDDEN, E403,   E403,  OK,        OK),
    page("POST /c/<circle_id>/elections/new",                              "planned",   OUT,    OUT,    NA,    HIDDEN, NA,     NA,    OK,        OK,        writes=LOG),
]

STEP_ROWS = [
    #    step                  scene        anon  public  guest  other   member  dual  secr  facil
    step("open_meeting",       "planned",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("mark_attendance",    "opened",    OUT,  OUT,    NA,    HIDDEN, OK,     OK,   OK,   OK,    variant="I am here"),
    step("mark_attendance",    "opened",    OUT,  OUT,    NA,    HIDDEN, NA,     NA,   OK,   OK,    variant="Kees is here"),
    step("mark_attendance",    "opened",    OUT,  OUT,    NF,    HIDDEN, NF,     NF,   NF,   NF,    variant="another circle's member"),
    step("take_up",            "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("take_up",            "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   NOA,   variant="another circle's proposal"),
    step("start_explanation",  "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("start_round",        "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("skip_speaker",       "in_turn",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("add_seat",           "round",     OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("close_round",        "round",     OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("contribute",         "round",     OUT,  OUT,    NA,    HIDDEN, OK,     OK,   OK,   OK,    variant="one's own answer"),
    step("contribute",         "round",     OUT,  OUT,    NA,    HIDDEN, NA,     NA,   OK,   OK,    variant="for Samira"),
    step("contribute",         "round",     OUT,  OUT,    NF,    HIDDEN, NF,     NF,   NF,   NF,    variant="for another circle's member"),
    step("amend",              "objection", OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("mark_tested",        "objection", OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("mark_tested",        "objection", OUT,  OUT,    NF,    HIDDEN, NF,     NF,   NF,   NF,    variant="another circle's objection"),
    step("withdraw_objection", "objection", OUT,  OUT,    NA,    HIDDEN, OK,     NYO,  OK,   NYO,   variant="Joost's"),
    step("withdraw_objection", "objection", OUT,  OUT,    NA,    HIDDEN, NYO,    NYO,  OK,   NYO,   variant="Kees's"),
    step("withdraw_objection", "objection", OUT,  OUT,    NF,    HIDDEN, NF,     NF,   NF,   NF,    variant="another circle's objection"),
    step("adopt",              "consented", OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("adopt",              "consented", OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   NOA,   variant="another circle's proposal"),
    step("postpone",           "objection", OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("withdraw",           "present",   OUT,  OUT,    NA,    HIDDEN, OK,     NP,   OK,   NP,    variant="Joost's"),
    step("withdraw",           "present",   OUT,  OUT,    NA,    HIDDEN, NP,     NP,   OK,   NP,    variant="Aylin's"),
    step("close_meeting",      "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    # The facilitator's tools: a ready check open in "ready"; in "away" Anna has had no connection for 5 minutes.
    step("set_turn_time",      "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("ask_ready",          "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("mark_ready",         "ready",     OUT,  OUT,    NA,    HIDDEN, OK,     OK,   OK,   OK,    variant="I am ready"),
    step("mark_ready",         "ready",     OUT,  OUT,    NA,    HIDDEN, NA,     NA,   OK,   OK,    variant="Kees is ready"),
    step("mark_ready",         "ready",     OUT,  OUT,    NF,    HIDDEN, NF,     NF,   NF,   NF,    variant="another circle's member"),
    step("hand_over",          "present",   OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
    step("take_over",          "away",      OUT,  OUT,    NA,    HIDDEN, NA,     NA,   OK,   NA),
    # An election E on M's agenda whose nomination round has closed: the facilitator proposes a person.
    step("propose_person",     "nominated", OUT,  OUT,    NA,    HIDDEN, NA,     NA,   NA,   OK),
]

EVENTS = [
    #     event         scene    anon  public  guest   other   member  dual  secr    facil
    event("connect",    "round", OUT,  OUT,    OK,     HIDDEN, OK,     OK,   OK,     OK,     variant="a program", meeting=M),
    event("connect",    "round", OUT,  OUT,    OK,     HIDDEN, OK,     OK,   OK,     OK,     variant="phone page", meeting=M, view="phone"),
    event("connect",    "round", OUT,  OUT,    OK,     HIDDEN, OK,     OK,   OK,     OK,     variant="console page", meeting=M, view="console"),
    # A guest may follow the projector's parts live, though its page is for the seated only (E403 above).
    event("connect",    "round", OUT,  OUT,    OK,     HIDDEN, OK,     OK,   OK,     OK,     variant="projector page", meeting=M, view="projector"),
    event("connect",    "round", OUT,  OUT,    HIDDEN, OK,     HIDDEN, OK,   HIDDEN, HIDDEN, variant="another circle's meeting", meeting=BM),
    event("connect",    "round", OUT,  OUT,    OUT,    OUT,    OUT,    OUT,  OUT,    OUT,    variant="meeting: true", meeting=True),
    event("connect",    "round", OUT,  OUT,    OUT,    OUT,    OUT,    OUT,  OUT,    OUT,    variant="no auth"),
    event("state",      "round", OUT,  OUT,    OK,     HIDDEN, OK,     OK,   OK,     OK,     meeting=M),
    event("parts",      "round", OUT,  OUT,    OK,     HIDDEN, OK,     OK,   OK,     OK,     variant="from a page", meeting=M, view="phone"),
    event("parts",      "round", OUT,  OUT,    NA,     HIDDEN, NA,     NA,   NA,     NA,     variant="from a program", meeting=M),
    event("*",          "round", OUT,  OUT,    UNK,    HIDDEN, UNK,    UNK,  UNK,    UNK,    variant="an unknown event", meeting=M),
    event("disconnect", "round", OUT,  OUT,    OK,     HIDDEN, OK,     OK,   OK,     OK,     meeting=M),
    # Following a proposal between meetings: R's round is open, S may have one opened or be amended.
    event("connect",    "between", OUT, OUT,   OK,     HIDDEN, OK,     OK,   OK,     OK,     variant="a program following a proposal", proposal=R),
    event("connect",    "between", OUT, OUT,   HIDDEN, OK,     HIDDEN, OK,   HIDDEN, HIDDEN, variant="another circle's proposal", proposal=BP),
    event("connect",    "between", OUT, OUT,   OUT,    OUT,    OUT,    OUT,  OUT,    OUT,    variant="a proposal and a meeting", proposal=R, meeting=M),
    event("between",    "between", OUT, OUT,   OK,     HIDDEN, OK,     OK,   OK,     OK,     proposal=R),
    event("between",    "round",   OUT, OUT,   NA,     HIDDEN, NA,     NA,   NA,     NA,     variant="on a meeting's socket", meeting=M),
    event("start_round_between", "between", OUT, OUT, NA, HIDDEN, NA,   NA,   NA,     OK,     writes=LOG, proposal=S),
    event("contribute_between",  "between", OUT, OUT, NA, HIDDEN, OK,   OK,   OK,     OK,     writes=LOG, proposal=R),
    event("close_round_between", "between", OUT, OUT, NA, HIDDEN, NA,   NA,   NA,     OK,     writes=LOG, proposal=R),
    event("amend_between",       "between", OUT, OUT, NA, HIDDEN, NA,   NA,   NA,     OK,     writes=LOG, proposal=S),
    event("propose_person_between", "nominated_between", OUT, OUT, NA, HIDDEN, NA, NA, NA, OK, writes=LOG, proposal=E),
]

#: What each form posts besides its CSRF token, by route key (and variant).
POSTED: dict[str, dict] = {
    "POST /lang": {"lang": "en", "next": "/sign-in"},
    "POST /you/email": {"email": "nieuw@example.org"},
    "POST /you/reading": {"larger_text": "y"},
    "POST /you/notices": {"meeting_planned": "digest", "round_open": "each", "decision_made": "none",
                          "review_due": "digest", "task_overdue": "each"},
    "POST /sign-in/email": {"email": "niemand@example.org"},
    "POST /c/<circle_id>/plan-meeting": {"title": "Extra overleg", "date": days(14).isoformat()},
    "POST /c/<circle_id>/members": {"name": "Noor", "role": "member"},
    "POST /c/<circle_id>/members/<member_id>/leave": {"on": days(1).isoformat()},
    "POST /c/<circle_id>/settings/public-record": {"public": "y", "names": "full"},
    "POST /c/<circle_id>/proposals/new": {"title": "Een bankje bij de school", "text": "We zetten er een."},
    "POST /c/<circle_id>/proposals/<proposal_id>/edit": {"title": "Beter", "text": "Duidelijker gezegd.",
                                                         "note": "Korter."},
    "POST /c/<circle_id>/proposals/<proposal_id>/agenda": {"meeting_id": M},
    "POST /c/<circle_id>/topics/new": {"subject": "Fietsenstalling", "note": "Bij de school."},
    "POST /c/<circle_id>/proposals/<proposal_id>/write-out": {"title": "Een fietsenstalling",
                                                              "text": "Een overdekte stalling bij de school."},
    "POST /c/<circle_id>/agenda/<meeting_id>/place": {"proposal_id": R},
    "POST /c/<circle_id>/agenda/<meeting_id>/move": {"proposal_id": Q, "position": 1},
    "POST /c/<circle_id>/agenda/<meeting_id>/remove": {"proposal_id": Q},
    "POST /c/<circle_id>/decisions/<proposal_id>/tasks": {"what": "Plantenbakken bestellen", "carrier_id": KEES,
                                                          "due_on": days(7).isoformat()},
    "POST /c/<circle_id>/tasks/<task_id>/change": {"what": "Plantenbakken bestellen", "carrier_id": KEES,
                                                   "due_on": days(10).isoformat()},
    "POST /c/<circle_id>/tasks/<task_id>/mark": {"status": "started", "note": "Offerte gevraagd."},
    "POST /c/<circle_id>/record/check": {},
    "POST /c/<circle_id>/corrections/contribution/<contribution_id>": {"text": "Joost zegt iets anders.",
                                                                       "note": "Verkeerd verstaan."},
    "POST /c/<circle_id>/corrections/meeting/<meeting_id>": {"text": "Kernteam (november)", "note": "Typfout."},
    "POST /g/<token>": {"name": "Wijkteam Noord"},
    "POST /c/<circle_id>/proposals/<proposal_id>/between/start": {"kind": "opinion_forming",
                                                                  "deadline": f"{days(4).isoformat()}T20:00"},
    "POST /c/<circle_id>/proposals/<proposal_id>/between/answer": {"round_id": BR, "member_id": ME, "answer": "speak",
                                                                   "text": "Waar komt het te staan?"},
    "POST /c/<circle_id>/proposals/<proposal_id>/between/close": {"round_id": BR},
    "POST /c/<circle_id>/proposals/<proposal_id>/between/amend": {"title": "Een fietsenstalling", "text": "Overdekt.",
                                                                  "note": "Korter."},
    "POST /c/<circle_id>/proposals/<proposal_id>/between/propose-person": {"nominee_id": Ref("Fatima")},
    "POST /c/<circle_id>/settings/between-meetings": {"silence": "all"},
    "POST /c/<circle_id>/settings/takeover": {"minutes": 5},
    "POST /c/<circle_id>/aim": {"aim-aim": "Een schone, groene buurt.", "aim-domain": "De openbare ruimte."},
    "POST /c/<circle_id>/roles": {"role-name": "Contactpersoon gemeente", "role-description": "Belt de gemeente.",
                                  "role-term_months": 12},
    "POST /c/<circle_id>/roles/terms": {"term-role": Ref("secretary role"), "term-member_id": SAMIRA,
                                        "term-held_from": TODAY.isoformat(), "term-held_until": days(364).isoformat()},
    "POST /c/<circle_id>/subcircles": {"sub-name": "Werkgroep Zwerfvuil", "sub-aim": "Geen zwerfvuil.",
                                       "sub-domain": "Opruimen.", "sub-leader_id": KEES,
                                       "sub-held_from": TODAY.isoformat(), "sub-held_until": days(364).isoformat()},
    "POST /c/<circle_id>/roles/choose-again": {"role": Ref("facilitator role")},
    "POST /c/<circle_id>/elections/new": {"role": Ref("secretary role"), "term_from": TODAY.isoformat(),
                                          "term_until": days(364).isoformat(), "note": "Fatima stopt."},
}

#: What each step sends (a form on the page, a payload on the socket), by step and variant.
PAYLOADS: dict[tuple[str, str], dict] = {
    ("open_meeting", ""): {},
    ("mark_attendance", "I am here"): {"member_id": ME, "present": True},
    ("mark_attendance", "Kees is here"): {"member_id": KEES, "present": True},
    ("mark_attendance", "another circle's member"): {"member_id": ELS, "present": True},
    ("take_up", ""): {"proposal_id": Q},
    ("take_up", "another circle's proposal"): {"proposal_id": BP},
    ("start_explanation", ""): {"proposal_id": P},
    ("start_round", ""): {"kind": "opening", "mode": "open"},
    ("skip_speaker", ""): {},
    ("add_seat", ""): {"member_id": KEES},
    ("close_round", ""): {},
    ("contribute", "one's own answer"): {"answer": "speak", "text": "Goedenavond allemaal."},
    ("contribute", "for Samira"): {"member_id": SAMIRA, "answer": "speak", "text": "Samira zegt hallo."},
    ("contribute", "for another circle's member"): {"member_id": ELS, "answer": "speak", "text": "Hallo."},
    ("amend", ""): {"proposal_id": P, "title": "Afvalcontainers vergroenen", "text": "Met een waterrooster.",
                    "note": "Rooster toegevoegd."},
    ("mark_tested", ""): {"objection_id": OJ},
    ("mark_tested", "another circle's objection"): {"objection_id": BO},
    ("withdraw_objection", "Joost's"): {"objection_id": OJ},
    ("withdraw_objection", "Kees's"): {"objection_id": OK2},
    ("withdraw_objection", "another circle's objection"): {"objection_id": BO},
    ("adopt", ""): {"proposal_id": P},
    ("adopt", "another circle's proposal"): {"proposal_id": BP},
    ("postpone", ""): {"proposal_id": P},
    ("withdraw", "Joost's"): {"proposal_id": Q},
    ("withdraw", "Aylin's"): {"proposal_id": P},
    ("close_meeting", ""): {},
    ("set_turn_time", ""): {"seconds": 90},
    ("ask_ready", ""): {},
    ("mark_ready", "I am ready"): {"member_id": ME},
    ("mark_ready", "Kees is ready"): {"member_id": KEES},
    ("mark_ready", "another circle's member"): {"member_id": ELS},
    ("hand_over", ""): {"member_id": KEES},
    ("take_over", ""): {},
    ("propose_person", ""): {"proposal_id": E, "nominee_id": Ref("Fatima")},
}

#: What a step's page form carries besides what its socket payload needs: the answer box holds
#: the member's own id (a socket leaves it out and means oneself).
PAGE_FORM_ADDS = {"contribute": {"member_id": ME}}
#: The route's key of each step: its page form posts here.
STEP_PREFIX = "POST /c/<circle_id>/meetings/<meeting_id>"
#: What a socket event sends, for events that send something.
EVENT_PAYLOADS = {"parts": {"version": 0}, "*": {"boom": 1},
                  "start_round_between": {"kind": "opinion_forming", "deadline": f"{days(4).isoformat()}T20:00"},
                  "contribute_between": {"round_id": BR, "answer": "speak", "text": "Waar komt het te staan?"},
                  "close_round_between": {"round_id": BR},
                  "amend_between": {"title": "Een fietsenstalling", "text": "Overdekt.", "note": "Korter."},
                  "propose_person_between": {"nominee_id": Ref("Fatima")}}
#: The event name a row sends for an unknown event.
UNKNOWN_EVENT = "explode"


def rule_key(method: str, rule: str) -> str:
    """`GET /c/<circle_id>/`: a route as the table names it (converters left out)."""
    return method + " " + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", rule)


def step_route(name: str) -> str:
    return STEP_PREFIX + STEPS[name].path


#: Routes whose page leaves it to the action to find the id in the circle: crossed, those who may open
#: the address are refused with `not_found` (a flashed message) rather than a 404 page.
FOUND_BY_THE_ACTION = {"POST /c/<circle_id>/members/<member_id>/leave"}
#: Pages that refuse a role (403) before they look for the id in the address, so any id gets it.
ROLE_FIRST = {"/c/<circle_id>/corrections/contribution/<contribution_id>",
              "/c/<circle_id>/corrections/meeting/<meeting_id>"}
#: The other circle's id of each kind, for an address crossed the other way.
B_IDS = {"meeting_id": BM, "proposal_id": BP, "contribution_id": BC, "member_id": ELS}
B_IDS["task_id"] = BT


def crossed(row: Row, back: bool) -> Row | None:
    """The route with one circle's address and the other circle's ids: nobody may reach the thing.

    Forth: circle B's address, circle A's ids (B's own people, the stranger and Dewi, may open B's
    address). Back: circle A's address, B's ids (A's people may open it, and the public its record).
    """
    inner = [name for name in re.findall(r"<([a-z_]+)>", row.route) if name not in ("circle_id", "token")]
    if row.kind == "event" or not inner:
        return None
    opens = ("guest", "member", "dual", "secretary", "facilitator") if back else ("stranger", "dual")

    def cell(visitor: str) -> Outcome:
        original = row.cell(visitor)
        if visitor == "anonymous" or (visitor == "public" and (not back or original is OUT)):
            return OUT
        if visitor in opens and row.route in FOUND_BY_THE_ACTION:
            return original if back and original.code else NF  # a role refused first stays refused
        if back and visitor in opens and original is E403 and row.route.split(" ", 1)[1] in ROLE_FIRST:
            return E403  # the page refuses the role before it looks for the id: the same for any id
        return HIDDEN

    if back:
        note, where = "crossed: A's address, B's ids", {**row.where, **{k: B_IDS[k] for k in inner}}
    else:
        note, where = "crossed: B's address, A's ids", {**row.where, "circle_id": B}
    variant = f"{note} | {row.variant}" if row.variant else note
    return Row(row.kind, row.key, variant, row.scene, tuple(cell(v) for v in VISITORS), where, row.writes,
               of=row.variant)


def forged(row: Row) -> Row | None:
    """The same post without its CSRF token, as another site's page would send it: 400 for everyone."""
    if row.kind == "event" or not row.route.startswith("POST"):
        return None
    variant = f"{NO_TOKEN} | {row.variant}" if row.variant else NO_TOKEN
    return Row(row.kind, row.key, variant, row.scene, (E400,) * len(VISITORS), row.where, row.writes,
               of=row.variant, csrf=False)


ROWS = ROUTES + STEP_ROWS + EVENTS
NO_TOKEN = "without its CSRF token"
#: Each route with an id under the circle once (its first row), crossed both ways.
CROSSED = [c for r in {r.route: r for r in reversed(ROUTES + STEP_ROWS)}.values()
           for c in (crossed(r, back=False), crossed(r, back=True)) if c is not None]
#: Each post once (its first row), without its CSRF token.
UNTOKENED = [f for f in (forged(r) for r in {r.route: r for r in reversed(ROUTES + STEP_ROWS)}.values())
             if f is not None]


def cases() -> Iterator[Any]:
    """One case per row, visitor and medium (a step is a page post and a socket event)."""
    for row in ROUTES + STEP_ROWS + CROSSED + UNTOKENED:
        for visitor in VISITORS:
            name = f"{row.route} [{row.variant}]" if row.variant else row.route
            yield pytest.param(row, visitor, "page", id=f"{name}-{visitor}")
    for row in STEP_ROWS + EVENTS:
        for visitor in VISITORS:
            yield pytest.param(row, visitor, "socket", id=f"event {row.id}-{visitor}")


CASES = list(cases())


# --- The scenes -------------------------------------------------------------------------------


@dataclass
class Visitor:
    """A browser of one kind of visitor: its cookies and a CSRF token from a page it was shown."""

    name: str
    cookies: list[tuple[str, str, str, str]]  # key, value, domain, path
    csrf: str
    member_id: int | None  # its own member id in circle A (anonymous: the one it claims, Joost's; stranger: B's)
    home: str | None  # where it starts: its circle, or the list of its circles


@dataclass
class World:
    app: Flask
    live: Path
    scenes: dict[str, Path]
    ids: dict[str, dict[str, Any]]
    visitors: dict[str, Visitor]
    messages: dict[str, str]  # each refusal's message, as a page shows it (in Dutch)


def _quiet(app: Flask) -> None:
    """Close every database connection, so the file can be copied or replaced."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _save(app: Flask, live: Path, to: Path) -> Path:
    _quiet(app)
    databases.copy(live, to)
    return to


#: Which scene the live database holds, and what it stored then (docs/testing.md: on PostgreSQL a
#: copy is a CREATE DATABASE): most cases are refused and change nothing, so the next needs no copy.
_in_place: dict[Path, tuple[Path, Stored]] = {}


def _restore(app: Flask, live: Path, source: Path) -> None:
    """Put a scene in place; the app starts it as a fresh server would (its event buckets full)."""
    app.extensions.pop("kring.limits", None)  # circle/limits.py: pace is not who may do what
    held = _in_place.pop(live, None)
    if held and held[0] == source and stored(app) == held[1]:
        _in_place[live] = held
        return
    _quiet(app)
    for extra in ("-wal", "-shm"):
        Path(f"{live}{extra}").unlink(missing_ok=True)
    databases.copy(source, live)
    _in_place[live] = (source, stored(app))


def _member(circle_id: int, name: str) -> Member:
    return db.session.scalar(sa.select(Member).where(Member.circle_id == circle_id, Member.name == name))


def _other_circle(a_circle: int) -> dict[str, int]:
    """Circle B, Andere Kring: Bob facilitates; Els's proposal had its consent round, and she objected."""
    circle, bob = create_circle("Andere Kring", "Bob")
    for name in ("Els", "Piet"):
        add_member(None, circle.id, name)
    els = _member(circle.id, "Els")
    bob = _member(circle.id, "Bob")
    proposal = proposals.write_draft(els, proposals.Wording(title="Fietsenrek", text="Een rek bij de flat.")).subject
    meeting = meetings.plan_meeting(bob, "Bewonersoverleg", TODAY).subject
    proposals.put_on_agenda(bob, proposal, meeting)
    meetings.open_meeting(bob, meeting)
    people = [_member(circle.id, n) for n in ("Bob", "Els", "Piet")]
    for person in people:
        meetings.mark_attendance(bob, meeting, person.id, True)
    for kind in (RoundKind.PICTURE_FORMING, RoundKind.OPINION_FORMING, RoundKind.CONSENT):
        rounds.start_round(bob, meeting, kind, RoundMode.OPEN, proposal_id=proposal)
        for person in people:
            if kind == RoundKind.CONSENT:
                answer, text = (Answer.OBJECTION, "Te weinig plek.") if person.name == "Els" else (Answer.CONSENT, "")
            else:
                answer, text = Answer.SPEAK, f"{person.name} zegt iets."
            rounds.contribute(person, meeting, person.id, answer, text)
        rounds.close_round(bob, meeting)
    objection = db.session.scalar(sa.select(Objection).where(Objection.proposal_id == proposal))
    dewi = _member(a_circle, "Dewi")  # a member of A, and from today B's second facilitator
    add_member(None, circle.id, "Dewi", Role.FACILITATOR, person_id=dewi.person_id)
    return {"B": circle.id, "BM": meeting, "BP": proposal, "BO": objection.id,
            "BC": objection.contribution_id, "Els": els.id, "Bob": bob.id}


def _build(app: Flask, live: Path, folder: Path, frozen_clock) -> tuple[dict[str, Path], dict[str, dict]]:
    """Every scene once, each saved as a database file, with its public twin and its ids."""
    scenes: dict[str, Path] = {}
    ids: dict[str, dict] = {}

    def save(name: str, extra: dict | None = None) -> None:
        with app.app_context():
            found = dict(base)
            found.update(extra or {})
            rows = db.session.execute(
                sa.select(Contribution.id, Contribution.member_id, Round.kind)
                .join(Round, Round.id == Contribution.round_id).where(Round.meeting_id == base["M"])
            ).all()
            found["C"] = next((c for c, m, k in rows if m == base["Joost"] and k == RoundKind.PICTURE_FORMING), 0)
            between = dict(db.session.execute(sa.select(Round.status, Round.proposal_id).where(
                Round.meeting_id.is_(None))).all())  # scene "between": R's round open, S's closed
            found["S"] = between.get(RoundStatus.CLOSED, 0)
            found["BR"] = db.session.scalar(sa.select(Round.id).where(
                Round.meeting_id.is_(None), Round.status == RoundStatus.OPEN)) or 0
            tasks = dict(db.session.execute(sa.select(Task.circle_id, Task.id)).all())
            found["TK"], found["BT"] = tasks.get(base["A"], 0), tasks.get(base["B"], 0)
            found["E"] = db.session.scalar(sa.select(Proposal.id).where(
                Proposal.kind == ProposalKind.ELECTION, Proposal.circle_id == base["A"])) or 0
            for objection in db.session.scalars(sa.select(Objection).where(Objection.proposal_id == base["P"])):
                found["OJ" if objection.member_id == base["Joost"] else "OK2"] = objection.id
            ids[name] = found
        scenes[name] = _save(app, live, folder / f"{name}.sqlite3")

    with app.app_context():
        made = samen_vooruit(guest=True)
        anna = made.member("Anna")
        q = proposals.write_draft(made.member("Joost"), proposals.Wording(
            title="Bankjes bij de speeltuin", text="Twee bankjes aan de rand van de speeltuin.")).subject
        proposals.put_on_agenda(anna, q, made.meeting_id)
        r = proposals.write_draft(made.member("Aylin"), proposals.Wording(
            title="Een buurtbibliotheek", text="Een kastje met boeken bij de ingang.")).subject
        base = {"A": made.circle_id, "M": made.meeting_id, "P": made.proposal_id, "Q": q, "R": r,
                **made.member_ids, **_other_circle(made.circle_id)}
        base["T"] = put_forward_topic(made.member("Joost"), "Fietsenstalling", "Bij de school.").subject
        base["facilitator role"], base["secretary role"] = (f"{kind}.{made.circle_id}" for kind in ("facilitator", "secretary"))
        record_term(anna, base["facilitator role"], anna.id, days(-300), days(20))  # near its end: offered
        base["link"] = sign_in_token(made.member("Joost"))
        with frozen_clock.later(days=-91):  # older than a link works (90 days)
            base["expired"] = sign_in_token(made.member("Joost"))
        base["revoked"] = sign_in_token(made.member("Aylin"))
        revoke(made.member("Aylin").person)
        base["forged"] = base["link"][:-4] + ("AAAA" if not base["link"].endswith("AAAA") else "BBBB")
        base["guest link"] = guest_token(db.session.get(Meeting, made.meeting_id))
        base["guest link forged"] = base["guest link"][:-4] + (
            "AAAA" if not base["guest link"].endswith("AAAA") else "BBBB")
        base["ics"] = ics_token(made.circle_id)
        base["ics_B"] = ics_token(base["B"])
    save("planned")

    def scene(name: str, start: str, build) -> None:
        _restore(app, live, scenes[start])
        with app.app_context():
            build(made)
        save(name)

    scene("opened", "planned", lambda m: meetings.open_meeting(m.member("Anna"), m.meeting_id))
    scene("present", "planned", everyone_present)
    scene("ready", "present", lambda m: facilitation.ask_ready(m.member("Anna"), m.meeting_id))

    def away(m):
        """Anna opened the meeting five minutes ago and has had no connection to it since."""
        with frozen_clock.later(minutes=-5):
            everyone_present(m)

    scene("away", "planned", away)

    def round_with_a_late_arrival(m):
        anna = m.member("Anna")
        meetings.open_meeting(anna, m.meeting_id)
        for name, _ in PEOPLE:
            if name != "Kees":
                meetings.mark_attendance(anna, m.meeting_id, m.member_ids[name], True)
        rounds.start_round(anna, m.meeting_id, RoundKind.OPENING, RoundMode.OPEN)
        meetings.mark_attendance(anna, m.meeting_id, m.member_ids["Kees"], True)

    scene("round", "planned", round_with_a_late_arrival)
    scene("in_turn", "present",
          lambda m: rounds.start_round(m.member("Anna"), m.meeting_id, RoundKind.OPENING, RoundMode.IN_TURN))

    def to_consent(objections: dict):
        def build(m):
            run_round(m, RoundKind.PICTURE_FORMING)
            run_round(m, RoundKind.OPINION_FORMING)
            run_round(m, RoundKind.CONSENT, objections)
        return build

    scene("objection", "present", to_consent({
        "Joost": (Answer.OBJECTION, "In de zomer geeft niemand water."),
        "Kees": (Answer.OBJECTION, "De bakken staan in de weg voor de vuilniswagen.")}))
    scene("consented", "present", to_consent({}))

    def decide(m):
        anna = m.member("Anna")
        proposals.adopt(anna, m.meeting_id, m.proposal_id)
        meetings.close_meeting(anna, m.meeting_id)

    scene("decided", "consented", decide)

    def election(m) -> int:
        """An election for the facilitator's role, after Anna's term."""
        role = db.session.scalar(sa.select(CircleRole).where(
            CircleRole.circle_id == m.circle_id, CircleRole.kind == RoleKind.FACILITATOR))
        return elections.write_election(m.member("Anna"), role.id, days(21), days(385)).subject

    def nominated(m):
        """An election for the facilitator's role on M's agenda: taken up, everyone nominated, the round closed."""
        anna = m.member("Anna")
        e = election(m)
        proposals.put_on_agenda(anna, e, m.meeting_id)
        rounds.start_round(anna, m.meeting_id, RoundKind.NOMINATION, RoundMode.OPEN, proposal_id=e)
        for name, _ in PEOPLE:
            member = m.member(name)
            rounds.contribute(member, m.meeting_id, member.id, Answer.NOMINATE, "Zij kan het.",
                                nominee_id=m.member_ids["Fatima"])
        rounds.close_round(anna, m.meeting_id)

    scene("nominated", "present", nominated)

    def nominated_between(m):
        """The same election between meetings: its nomination round closed when the last one nominated."""
        rnd = between.start_round_between(m.member("Anna"), election(m), RoundKind.NOMINATION,
                                          clock.at_local(days(3), 20, 0)).subject
        for name, _ in PEOPLE:
            member = m.member(name)
            between.contribute_between(member, rnd, member.id, Answer.NOMINATE, "Zij kan het.",
                                       nominee_id=m.member_ids["Fatima"])

    scene("nominated_between", "planned", nominated_between)

    def give_tasks(m):
        """Joost carries out a task of the decision; in B, Els withdraws her objection, and Piet gets a task."""
        add_task(m.member("Anna"), m.proposal_id, "Plantenbakken bestellen", m.member_ids["Joost"], days(7))
        bob = _member(base["B"], "Bob")
        proposals.withdraw_objection(_member(base["B"], "Els"), base["BM"], base["BO"])
        proposals.adopt(bob, base["BM"], base["BP"])
        add_task(bob, base["BP"], "Fietsenrek bestellen", _member(base["B"], "Piet").id, days(7))

    scene("tasked", "decided", give_tasks)

    def rounds_between(m):
        """S had a picture-forming round between meetings, everyone answered; R's is open until days(3)."""
        anna = m.member("Anna")
        s = proposals.write_draft(m.member("Joost"), proposals.Wording(
            title="Een fietsenstalling", text="Overdekt, bij de flat.")).subject
        done = between.start_round_between(anna, s, RoundKind.PICTURE_FORMING, clock.at_local(days(3), 20, 0))
        for name, _ in PEOPLE:
            member = m.member(name)
            between.contribute_between(member, done.subject, member.id, Answer.SPEAK, f"{name} vraagt iets.")
        between.start_round_between(anna, base["R"], RoundKind.PICTURE_FORMING, clock.at_local(days(3), 20, 0))

    scene("between", "planned", rounds_between)

    for name in list(scenes):  # each scene's twin, with the record public
        _restore(app, live, scenes[name])
        with app.app_context():
            set_public_record(_member(base["A"], "Anna"), True, NameDisplay.FIRST)
        ids[f"{name}+public"] = ids[name]
        scenes[f"{name}+public"] = _save(app, live, folder / f"{name}+public.sqlite3")
    return scenes, ids


def _visitors(app: Flask, live: Path, scenes: dict[str, Path], ids: dict) -> dict[str, Visitor]:
    """Sign each visitor in once, through their personal link, and keep their cookies and a CSRF token."""
    _restore(app, live, scenes["planned"])
    base = ids["planned"]
    found = {}
    for visitor in VISITORS:
        client = app.test_client()
        if visitor in WHO:
            member_id = base[WHO[visitor]]
            circle_id = base["B"] if visitor == "stranger" else base["A"]
            sign_in_with_link(client, member_id)
            shown = client.get(f"/c/{circle_id}/")
            home = "/you" if visitor == "dual" else f"/c/{circle_id}/"
        else:
            member_id, home = base["Joost"], None
            shown = client.get("/sign-in")
        assert shown.status_code == 200, (visitor, shown.status_code)
        cookies = [(c.key, c.value, c.domain, c.path) for c in client._cookies.values()]
        found[visitor] = Visitor(visitor, cookies, find_csrf_token(shown.text), member_id, home)
    return found


@pytest.fixture(scope="module")
def world(template_database: Path, tmp_path_factory: pytest.TempPathFactory, frozen_clock) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("authorization")
    live = folder / "kring.sqlite3"
    databases.copy(template_database, live)
    mailbox, port = Mailbox(), free_port()  # mail is on, and goes nowhere but here
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    app = create_app({**config_for(live), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                      "MAIL_FROM": "Kring <kring@example.org>"}, instance_path=str(folder / "instance"))
    scenes, ids = _build(app, live, folder, frozen_clock)
    visitors = _visitors(app, live, scenes, ids)
    with app.test_request_context(), force_locale("nl"):
        messages = {code: gettext(text) for code, text in MESSAGES.items()}
    yield World(app, live, scenes, ids, visitors, messages)
    _quiet(app)
    smtp.stop()
    assert mailbox.messages == [], "a link went to an address nobody has"


# --- Running a case ------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """What the database holds: the log's length and a digest of every table."""

    log: int
    digest: str


def stored(app: Flask) -> Stored:
    with app.app_context():
        digest = hashlib.sha256()
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digest.update(f"{table.name}:{rows!r}".encode())
        log = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))
        db.session.remove()
    return Stored(log, digest.hexdigest())


def resolve(value: Any, ids: dict, visitor: Visitor) -> Any:
    if isinstance(value, Ref):
        return visitor.member_id if value is ME else ids[value.name]
    return value


def browser(world: World, visitor: Visitor) -> FlaskClient:
    client = world.app.test_client()
    for key, value, domain, path in visitor.cookies:
        client.set_cookie(key, value, domain=domain, path=path)
    return client


def check_headers(response) -> None:
    """Security headers: where present they say the right thing; with circle/headers.py, always."""
    headers = response.headers
    if HEADERS_MODULE or "X-Content-Type-Options" in headers:
        assert headers.get("X-Content-Type-Options") == "nosniff"
    if HEADERS_MODULE or "Content-Security-Policy" in headers:
        policy = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy, policy
    if HEADERS_MODULE or "Referrer-Policy" in headers:
        assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), headers.get("Referrer-Policy")
    if "X-Frame-Options" in headers:
        assert headers["X-Frame-Options"] == "DENY"


def flashed_errors(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [str(text) for category, text in session.get("_flashes", []) if category == "error"]


def where_to(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def run_page(world: World, row: Row, name: str) -> None:
    visitor = world.visitors[name]
    scene = row.scene + ("+public" if name == "public" else "")
    ids = world.ids[scene]
    _restore(world.app, world.live, world.scenes[scene])
    client = browser(world, visitor)
    method, path = row.route.split(" ", 1)
    values = {**URL_IDS, **row.where}
    for part in re.findall(r"<([a-z_]+)>", path):
        path = path.replace(f"<{part}>", str(resolve(values[part], ids, visitor)))
    if row.route.endswith("reviews.ics") and row.variant:
        path += "?token=" + ids["ics" if "its calendar" in row.variant else "ics_B"]
    form = {}
    sends = {**PAGE_FORM_ADDS.get(row.key, {}), **row.sends} if row.kind == "step" else row.sends
    for k, v in sends.items():
        v = resolve(v, ids, visitor)
        if v is True:
            v = "y"
        if v is not False and v is not None:
            form[k] = str(v)
    before = stored(world.app)
    if method == "POST":
        response = client.post(path, data={**form, "csrf_token": visitor.csrf} if row.csrf else form)
    else:
        response = client.get(path)
    body = response.get_data(as_text=True)
    response.close()
    after = stored(world.app)
    check_headers(response)
    expected = row.cell(name)
    status = response.status_code
    said = f"{method} {path} as {name}: {status} {where_to(response)} {body[:200]!r}"
    if expected is OK:
        assert status in (200, 303), said
        if status == 303:
            assert flashed_errors(client) == [], said
        if row.writes == LOG:
            assert after.log > before.log, said
        else:
            assert after.log == before.log, said
        if row.writes == STORE:
            assert after.digest != before.digest, said
        return
    if expected is OUT:
        assert status == 302 and where_to(response) == "/sign-in", said
    elif expected is HIDDEN:
        assert status == 404, said
    elif expected is HOME:
        assert status == 302 and where_to(response) == visitor.home, said
    elif expected in (E400, E403):
        assert status == int(expected.name[1:]), said
    elif expected is SHOWN:
        assert status == 200, said
    else:
        message = world.messages[expected.code]
        assert status in (303, 422), said
        shown = flashed_errors(client) if status == 303 else [html.unescape(body)]
        assert any(message in text for text in shown), (said, message, shown)
    assert after == before, f"{said}: something stored changed"


class Phone(SocketIOTestClient):
    """Flask-SocketIO's test client that keeps the reason a connection was refused."""

    refusal: str | None = None

    def connect(self, namespace=None, query_string=None, headers=None, auth=None):
        server = self.socketio.server
        send = server._send_packet

        def keep(eio_sid, pkt):
            if eio_sid == self.eio_sid and pkt.packet_type == packet.CONNECT_ERROR:
                self.refusal = (pkt.data or {}).get("message") if isinstance(pkt.data, dict) else pkt.data
            send(eio_sid, pkt)

        server._send_packet = keep
        try:
            super().connect(namespace=namespace, query_string=query_string, headers=headers, auth=auth)
        finally:
            server._send_packet = send

    def force_emit(self, event: str, *args: Any) -> Any:
        """Send an event as a hostile client would, connected or not; the acknowledgement, if any."""
        self.callback_counter += 1
        pkt = packet.Packet(packet.EVENT, data=[event, *args], id=self.callback_counter)
        self.socketio.server._handle_eio_message(self.eio_sid, pkt.encode())
        ack, self.acks = self.acks, None
        return None if ack is None else ack["args"][0]

    def close(self) -> None:
        if self.is_connected():
            self.disconnect()
        self.socketio.server._handle_eio_disconnect(self.eio_sid, "client disconnect")
        self.clients.pop(self.eio_sid, None)


def run_socket(world: World, row: Row, name: str) -> None:
    visitor = world.visitors[name]
    scene = row.scene + ("+public" if name == "public" else "")
    ids = world.ids[scene]
    _restore(world.app, world.live, world.scenes[scene])
    client = browser(world, visitor)
    auth = {k: resolve(v, ids, visitor) for k, v in row.where.items()} if row.kind == "event" else {"meeting": ids["M"]}
    name_sent = UNKNOWN_EVENT if row.key == "*" else row.key
    payload = {k: resolve(v, ids, visitor) for k, v in row.sends.items()}
    expected = row.cell(name)
    before = stored(world.app)
    phone = Phone(world.app, socketio, flask_test_client=client, auth=auth or None)
    said = f"{row.id} as {name}"
    try:
        if expected in (OUT, HIDDEN):
            assert not phone.is_connected(), said
            assert phone.refusal == ("not_allowed" if expected is OUT else "not_found"), (said, phone.refusal)
            if name_sent not in ("connect", "disconnect"):
                assert phone.force_emit(name_sent, payload) is None, said  # a refused socket is not heard
            assert stored(world.app) == before, f"{said}: something stored changed"
            return
        assert phone.is_connected(), (said, phone.refusal)
        if row.key == "connect":
            assert expected is OK, said
            received = [m["name"] for m in phone.get_received()]
            sent = "between" if "proposal" in auth else "state"  # what a program is sent at once
            assert (sent in received) == ("view" not in auth), (said, received)
            return
        if row.key == "disconnect":
            assert expected is OK, said
            phone.disconnect()
            assert stored(world.app) == before, f"{said}: the connection left something behind"
            return
        connected = stored(world.app)
        ack = phone.emit(name_sent, payload, callback=True)
        after = stored(world.app)
        if expected is OK:
            assert isinstance(ack, dict) and ack.get("ok") is True, (said, ack)
            if row.key == "state":
                assert ack["you"] == visitor.member_id and ack["state"]["meeting"]["id"] == ids["M"], said
            if row.writes == LOG:
                assert after.log > connected.log, (said, ack)
            else:
                assert after == connected, f"{said}: something stored changed"
        else:
            assert isinstance(ack, dict) and ack.get("ok") is False and ack.get("error") == expected.code, \
                (said, ack)
            assert after == connected, f"{said}: something stored changed"
    finally:
        phone.close()


@pytest.mark.parametrize("row, visitor, medium", CASES)
def test_who_may_do_what(world: World, row: Row, visitor: str, medium: str):
    if medium == "page":
        run_page(world, row, visitor)
    else:
        run_socket(world, row, visitor)


# --- The table against the application ------------------------------------------------------------


def test_the_table_names_every_route_and_event(app):
    routes = {rule_key(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    in_table = {row.key for row in ROUTES} | {step_route(row.key) for row in STEP_ROWS}
    assert sorted(routes - in_table) == [], "routes without a row in the table"
    assert sorted(in_table - routes) == [], "rows for routes that are gone"

    events = set(socketio.server.handlers["/"])
    named = {row.key for row in STEP_ROWS + EVENTS}
    assert sorted(events - named) == [], "socket events without a row in the table"
    assert sorted(named - events) == [], "rows for socket events that are gone"
    assert {row.key for row in STEP_ROWS} == {step.name for step in STEPS.values()}

    for row in ROWS:
        assert len(row.cells) == len(VISITORS), row.id
    assert len({row.id for row in ROWS}) == len(ROWS), "two rows with the same name"
    assert set(PAYLOADS) == {(row.key, row.variant) for row in STEP_ROWS}
    assert set(POSTED) <= {row.key for row in ROUTES}

    size = (f"Size: {len(ROWS)} rows ({len(ROUTES)} routes, {len(STEP_ROWS)} steps as a route and an event, "
            f"{len(EVENTS)} other events)\n× {len(VISITORS)} visitors = {len(ROWS) * len(VISITORS)} cells; "
            f"{len(CASES):,} cases with the step events, the crossed ids and the posts without a token.")
    assert size in __doc__, f"the module's docstring should say:\n{size}"
