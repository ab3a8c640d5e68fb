"""The table of tests/test_authorization.py: who may do what, per route, step and socket event.

Its docstring says what the columns and outcomes mean; here are the rows, what each points at,
and what each sends.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

from circle.method import MESSAGES
from circle.steps import STEPS
from tests.days import TODAY, days

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


def step_route(name: str) -> str:
    return STEP_PREFIX + STEPS[name].path
