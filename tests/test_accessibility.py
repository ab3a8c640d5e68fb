"""Every page and live state of a whole meeting passes axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules.

The real server (tests/server.py) holds the Samen Vooruit demo (circle/demo.py:
roles held for a term, a working group, last month's decision with its tasks, a
consent round between meetings, a topic put forward) with an election for the
facilitator's role on today's agenda. Chromium walks every kind of page, in
each language of the check, as the people who see it; then a member's phone,
the console and the projector follow today's meeting live through every kind
of round (a turn, an open round, an objection, the decision, a countdown, a
ready check, the election's nominations, change round and consent on a
person; one phone with larger text), and axe checks each at every
state. axe-core comes from npm (package.json; `make test` installs it), put
into the page through the DevTools protocol, so Kring's Content-Security-Policy
stays as it is; no CDN is reached. Any violation fails, named by rule, page and
element; a table of violations per page is printed (`pytest -s` shows it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from circle import LANGUAGES
from tests.server import ROOT, KringServer, Seeded, clock_code
from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    TIMEOUT,
    Steer,
    View,
    expect,
    open_view,
    playwright_chromium,
)

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules the NL Design System asks (docs/accessibility.md).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Dutch, English and, once it is shipped, Arabic (right to left).
CHECKED = [code for code in ("nl", "en", "ar") if code in LANGUAGES]
BROWSER_LOCALE = {"nl": "nl-NL", "en": "en-GB", "ar": "ar"}
EVERYONE = ("Anna", "Fatima", "Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed")
LONG = ("Bewoners van de straat kiezen samen de planten en geven om beurten water, ook in de zomervakantie. "
        "De gemeente levert de bakken; de groencommissie zorgt voor aarde en planten.")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

#: Run in the server's environment before it starts: the demo, an election on today's agenda, the ids to visit.
SEED = """
import json
import sqlalchemy as sa
from circle import create_app, demo, elections, proposals, roles
from circle.auth import sign_in_token
from circle.extensions import db
from circle.method import RoleKind
from circle.models import Circle, Meeting, Member, Proposal, ProposalVersion
{clock}

app = create_app()
with app.app_context():
    circle = demo.seed()
    cid = circle.id
    people = {{m.name: m for m in db.session.scalars(sa.select(Member).where(Member.circle_id == cid))}}
    anna = people["Anna"]
    people["Kees"].person.larger_text = True  # one reader with larger text on every page they see
    meeting = db.session.scalar(sa.select(Meeting.id).where(Meeting.circle_id == cid,
                                                            Meeting.title == "Kernteam-overleg"))
    held = db.session.scalar(sa.select(Meeting.id).where(Meeting.circle_id == cid, Meeting.id != meeting))
    role = roles.method_role(circle, RoleKind.FACILITATOR)
    db.session.commit()
    term = elections.default_term(role)
    election = elections.write_election(anna, role.id, *term, note="Anna stopt na dit jaar.").subject
    proposals.put_on_agenda(anna, election, meeting)
    titles = dict(db.session.execute(sa.select(ProposalVersion.title, Proposal.id).join(Proposal)
                                     .where(Proposal.circle_id == cid)).all())
    group = db.session.scalar(sa.select(Circle.id).where(Circle.parent_id == cid))
    print(json.dumps({{
        "circle": cid, "meeting": meeting, "held": held, "group": group, "election": election,
        "titles": titles, "members": {{name: m.id for name, m in people.items()}},
        "tokens": {{name: sign_in_token(m) for name, m in people.items()}},
    }}))
"""


@dataclass
class Demo:
    """The served demo and what its seed made: ids by name, proposals by title."""

    server: KringServer
    seeded: Seeded
    made: dict

    def proposal(self, starts: str) -> int:
        """The proposal whose title starts so."""
        return next(pid for title, pid in self.made["titles"].items() if title.startswith(starts))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    """The real server on the demo, for the whole module; skips, saying why, without axe-core."""
    if not AXE.exists():
        pytest.skip(f"no axe-core at {AXE.relative_to(ROOT)}: `make test` (or `npm ci`) installs it from npm")
    server = KringServer(tmp_path_factory.mktemp("kring-axe"))
    server._run("-m", "flask", "--app", "circle", "db", "upgrade")
    out = server._run("-c", SEED.format(clock=clock_code(server.now())))
    made = json.loads(out.strip().splitlines()[-1])
    server.start()
    try:
        seeded = Seeded(made["circle"], made["meeting"], 0, made["members"], made["tokens"])
        yield Demo(server, seeded, made)
    finally:
        server.stop()


class Checked:
    """Violations by page state, and how many of each; printed as a table at the end."""

    def __init__(self) -> None:
        self.counts: dict[str, str] = {}
        self.found: list[str] = []

    def axe(self, view: View, state: str) -> None:
        """Run axe on the page as it is now; note what it finds under `state`."""
        page = view.page
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools: the page's CSP stays on
        result = page.evaluate("""(tags) => axe.run(document, {runOnly: {type: "tag", values: tags},
                                                               resultTypes: ["violations"]})""", TAGS)
        for rule in result["violations"]:
            for node in rule["nodes"][:5]:
                self.found.append(f"{state}: {rule['id']} ({rule['impact']}) at {' '.join(node['target'])}"
                                  f": {node['failureSummary'].splitlines()[-1].strip()[:160]}")
        self.counts[state] = " ".join(f"{r['id']}×{len(r['nodes'])}" for r in result["violations"]) or "0"

    def table(self) -> str:
        width = max(len(state) for state in self.counts)
        return "\n".join([f"{'page, state':<{width}}  violations (rule×elements)", *(f"{s:<{width}}  {n}" for s, n in
                                                                      self.counts.items())])


@pytest.fixture(scope="module")
def checked() -> Iterator[Checked]:
    """What axe found on each page of the module, printed as a table at its end."""
    found = Checked()
    yield found
    if found.counts:
        print("\naxe-core " + json.loads((AXE.parent / "package.json").read_text())["version"]
              + f", {', '.join(TAGS)}: violations per page and state\n" + found.table())


def person(browser, demo: Demo, who: str | None, lang: str, **options) -> View:
    """Someone's screen in `lang` (their browser asks for it), signed in unless `who` is None."""
    view = open_view(browser, f"{who or 'anonymous'} ({lang})", **options)
    view.context.set_extra_http_headers({"Accept-Language": BROWSER_LOCALE[lang]})
    if who is not None:  # the personal link and its one button (one in two circles lands on the front door)
        view.page.goto(f"{demo.server.url}/s/{demo.seeded.tokens[who]}")
        with view.page.expect_navigation():
            view.page.locator("main form button[type=submit]").click()
    return view


def visit(view: View, demo: Demo, checked: Checked, path: str, state: str, status: int = 200) -> None:
    """Open a page (live ones connected) and check it."""
    response = view.page.goto(demo.server.url + path)
    assert response.status == status, (path, response.status)
    if view.page.locator("#kring-conn").count():
        expect(view.page.locator("#kring-conn")).to_have_attribute("data-state", "connected")
    checked.axe(view, state)


@pytest.mark.parametrize("lang", CHECKED)
def test_every_page_passes_axe(playwright_chromium, demo: Demo, checked: Checked, lang: str) -> None:
    _, browser = playwright_chromium
    d, c, m = demo.made, demo.seeded.circle, demo.seeded.meeting
    path = f"/c/{c}/meetings/{m}"
    garden, clean_up = demo.proposal("Een buurtmoestuin"), demo.proposal("Opruimochtend")
    greening = demo.proposal("Afvalcontainers")
    before = len(checked.found)

    anonymous = person(browser, demo, None, lang)
    for page, state, status in (("/sign-in", "sign in", 200), (f"/s/{d['tokens']['Joost']}", "a sign-in link", 200),
                                ("/s/not-a-link", "a bad sign-in link", 400),
                                ("/help/rounds", "how a round works", 200)):
        visit(anonymous, demo, checked, page, f"{lang} {state}", status)
    anonymous.close()

    anna = person(browser, demo, "Anna", lang, viewport={"width": 1280, "height": 800})
    for page, state in (
        (f"/c/{c}/", "circle home (roles, working group, tasks)"),
        (f"/c/{d['group']}/logbook/", "working group's decisions"),
        (f"/c/{c}/decisions/{clean_up}/", "decision page"),
        (f"/c/{c}/meetings/{d['held']}/minutes", "minutes"),
        (f"/c/{c}/logbook/", "logbook"),
        (f"/c/{c}/logbook/?q=Javastraat", "logbook, searched"),
        (f"/c/{c}/proposals/{garden}/", "proposal, consent between meetings"),
        (f"/c/{c}/proposals/{garden}/between/amend", "amend between meetings"),
        (f"/c/{c}/proposals/{greening}/", "proposal on the agenda"),
        (f"/c/{c}/proposals/{greening}/edit", "edit a proposal"),
        (f"/c/{c}/proposals/new", "new proposal"),
        (f"/c/{c}/topics/new", "put a topic forward"),
        (f"/c/{c}/elections/new", "new election"),
        (f"{path}/guests", "invite guests"),
        (f"{path}/amend/{greening}", "amend in the meeting"),
        (f"/c/{c}/members/{d['members']['Joost']}/handout", "sign-in handout"),
        (f"{path}/handout?print=large", "meeting handout, large print"),
        ("/you", "you"),
        ("/you/notices", "notices preferences"),
        ("/you/data", "your data"),
        (f"{path}/", "console, planned"),
        (f"{path}/projector", "projector, planned"),
    ):
        visit(anna, demo, checked, page, f"{lang} {state}")
    visit(anna, demo, checked, f"/c/{c}/proposals/{2**31 - 1}/", f"{lang} not found", status=404)
    anna.close()

    joost = person(browser, demo, "Joost", lang, **PHONE)
    visit(joost, demo, checked, f"{path}/join", f"{lang} phone, join")
    visit(joost, demo, checked, f"/c/{c}/", f"{lang} phone, circle home")
    visit(joost, demo, checked, f"/c/{c}/proposals/{garden}/", f"{lang} phone, consent between meetings")
    joost.close()
    kees = person(browser, demo, "Kees", lang, **PHONE)
    visit(kees, demo, checked, f"/c/{d['group']}/", f"{lang} phone, working group home (its leader)")
    kees.close()
    assert checked.found[before:] == [], "axe-core finds:\n" + "\n".join(checked.found[before:])


def test_every_live_state_of_a_meeting_passes_axe(playwright_chromium, demo: Demo, checked: Checked) -> None:
    """The meeting from opening through an objection to its decision, then the election's nominations, on a
    phone, the console and the projector in each language (and a small projector in Dutch)."""
    _, browser = playwright_chromium
    c, m, ids = demo.seeded.circle, demo.seeded.meeting, demo.seeded.members
    path = f"/c/{c}/meetings/{m}"
    greening = demo.proposal("Afvalcontainers")
    views = {}
    for lang in CHECKED:
        views[f"{lang} phone"] = person(browser, demo, "Joost", lang, **PHONE)
        views[f"{lang} console"] = person(browser, demo, "Anna", lang, viewport={"width": 1280, "height": 800})
        views[f"{lang} projector"] = person(browser, demo, "Anna", lang, viewport={"width": 1920, "height": 1080})
    views["nl small projector"] = person(browser, demo, "Anna", "nl", viewport={"width": 1280, "height": 720})
    views["nl phone, larger text"] = person(browser, demo, "Kees", "nl", **PHONE)
    for name, view in views.items():
        view.page.goto(demo.server.url + path + ("/projector" if "projector" in name else "/"))
        expect(view.page.locator("#kring-conn")).to_have_attribute("data-state", "connected")
    steer = Steer(demo.server, demo.seeded, m)
    before = len(checked.found)

    def check(state: str) -> None:
        for name, view in views.items():
            expect(view.page.locator("#kring")).to_have_attribute("data-version", str(steer.version),
                                                                  timeout=TIMEOUT)
            view.page.wait_for_timeout(50)
            checked.axe(view, f"{name}, {state}")

    steer("open_meeting")
    steer.present(*EVERYONE)
    check("open, before the first round")
    steer("take_up", proposal_id=greening)
    steer.round("picture_forming", mode="in_turn", starter="Joost", proposal=greening)
    check("picture-forming round, Joost's turn")
    steer.answer("Joost", "speak", "Hoeveel bakken komen er? Zie https://example.org/bakken voor het plan.")
    steer("set_turn_time", seconds=90)
    check("Aylin's turn, a countdown running")
    steer("close_round")
    steer.round("opinion_forming", mode="open", proposal=greening)
    for name in EVERYONE:
        steer.answer(name, "speak", f"{name} vindt het een goed plan, als de buurt meedoet. {LONG}")
    check("open opinion round, eight long answers")
    steer("close_round")
    steer("ask_ready")
    check("a ready check")
    steer("mark_ready", member_id=ids["Joost"])
    check("a ready check, Joost ready")
    steer("ask_ready", end=True)
    steer.round("consent", mode="open", proposal=greening)
    steer.answer("Joost", "objection", "Wie geeft water in de zomervakantie?", workable="Een rooster voor de zomer.")
    for name in EVERYONE:
        if name != "Joost":
            steer.answer(name, "consent")
    check("consent round, an objection")
    steer("close_round")
    check("an objection standing")
    objection = demo.server.query("SELECT id FROM objection WHERE proposal_id = ?", greening)[0][0]
    joost = Steer(demo.server, demo.seeded, m, name="Joost")  # Joost withdraws it himself, on his own socket
    steer.version = joost("withdraw_objection", objection_id=objection)["version"]
    joost.close()
    steer("adopt", proposal_id=greening)
    check("adopted: the decision")
    election = demo.made["election"]
    steer("take_up", proposal_id=election)
    steer.round("nomination", mode="open", proposal=election)
    check("election, nomination round open")
    for name in EVERYONE:
        steer.answer(name, "nominate", f"{name} kiest Fatima: zij houdt overzicht.", nominee_id=ids["Fatima"])
    check("election, nominations revealed")
    steer("close_round")
    check("election, nomination round closed")
    steer.round("change_nomination", mode="in_turn", starter="Joost", proposal=election)
    check("election, change round, Joost's turn")
    names = {member: name for name, member in ids.items()}
    for seat in steer.phone.snapshot()["round"]["seats"]:  # in turn, each keeps their nomination
        steer.answer(names[seat["member"]], "nominate")
    steer("close_round")
    steer("propose_person", proposal_id=election, nominee_id=ids["Fatima"])
    steer.round("consent", mode="in_turn", starter="Joost", proposal=election)
    check("election, consent round on Fatima")
    steer.close()
    for lang in CHECKED:  # what the meeting left behind: the decision's story with its objection, the minutes
        console = views[f"{lang} console"]
        visit(console, demo, checked, f"/c/{c}/decisions/{greening}/", f"{lang} decision page, an objection withdrawn")
        visit(console, demo, checked, f"{path}/minutes", f"{lang} minutes of the meeting")
    for view in views.values():
        assert view.errors == [], (view.name, view.errors)
        view.close()
    assert checked.found[before:] == [], "axe-core finds:\n" + "\n".join(checked.found[before:])
