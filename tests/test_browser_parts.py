"""First draw equals live: a page loaded fresh shows exactly what a page that followed the meeting shows.

The server draws every part of the meeting page (templates/meetings/parts/),
for a first load with the person who looks, and for the room once per kind of
reader; kring.js swaps the room's parts in and shows what is personal
(`data-if`, `data-for`) from a few facts on the page. Both ways must end in the
same page. Four screens follow one meeting live from the start, in real
Chromium: Joost's phone (a member), Fatima's (the secretary), Anna's console
and the projector. At each of a series of states, the same four are loaded
fresh with JavaScript off (the server's first drawing, as it is) and every
part is compared.

Only what must differ is set aside: the CSRF token and an answer's client id
(made per page), what is typed in a text box, and the `online` mark of who is
connected (presence, not meeting state).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (playwright_chromium: a fixture)
    Room,
    View,
    draft,
    open_room,
    open_view,
    phone_options,
    playwright_chromium,
    screen,
    sign_in,
)

pytestmark = pytest.mark.browser

#: Every part of the page, in page order; the projector shows the first five of its own.
PARTS = ["meeting-status", "meeting-outcome", "meeting-answer", "meeting-steer", "meeting-round",
         "meeting-contributions", "meeting-proposal", "meeting-attendance", "meeting-agenda"]


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Iterator[Room]:
    yield from open_room(tmp_path_factory, {"Overleg over de bakken": [
        ("Aylin", draft("Afvalcontainers vergroenen", "Plantenbakken rond de containers.\nMet een waterrooster.",
                        background="Minder zwerfafval.", success_criteria="Minder afval na drie maanden.",
                        carried_out_by="Aylin en Kees")),
        ("Kees", draft("Een buurtbank")),
    ]})


def normal(html: str) -> str:
    """A part's markup with only what must differ set aside, one tag a line (for a readable diff)."""
    html = re.sub(r'(<input[^>]*name="(?:csrf_token|client_id)"[^>]*value=")[^"]*"', r'\1"', html)
    html = re.sub(r"(<textarea[^>]*>).*?(</textarea>)", r"\1\2", html, flags=re.DOTALL)
    html = re.sub(r'class="([^"]*)"',
                  lambda m: 'class="{}"'.format(" ".join(c for c in m.group(1).split() if c != "online")), html)
    html = re.sub(r">\s+<", "><", html)
    html = re.sub(r"\s+", " ", html).strip()
    return html.replace("><", ">\n<")


def parts_of(view: View) -> dict[str, str | None]:
    """The markup of every part on the page as it stands (outerHTML: the DOM, values as attributes)."""
    found = view.page.evaluate(
        "(ids) => Object.fromEntries(ids.map((id) => [id, document.getElementById(id)?.outerHTML ?? null]))",
        PARTS)
    return {k: (normal(v) if v is not None else None) for k, v in found.items()}


def test_a_fresh_page_draws_every_part_as_the_live_page_shows_it(playwright_chromium, room: Room) -> None:
    p, browser = playwright_chromium
    seeded, server = room.seeded, room.server
    ids = seeded.members
    meeting = room.meetings["Overleg over de bakken"]
    path = room.path("Overleg over de bakken")
    greening = meeting.proposals[0]

    # Followed live from the start: the four kinds of reader.
    followed = {
        "member": screen(browser, server, seeded, "Joost", path, "Joost's phone", **phone_options(p, "Pixel 7")),
        "recorder": screen(browser, server, seeded, "Fatima", path, "Fatima's phone", **phone_options(p, "Pixel 7")),
        "console": screen(browser, server, seeded, "Anna", path, "console", viewport={"width": 1366, "height": 768}),
        "projector": screen(browser, server, seeded, "Anna", path + "projector", "projector",
                            viewport={"width": 1920, "height": 1080}),
    }
    for view in followed.values():
        view.stay()

    # Loaded fresh at each state, without JavaScript: the server's first drawing as it is.
    fresh: dict[str, View] = {}
    for kind, who in [("member", "Joost"), ("recorder", "Fatima"), ("console", "Anna")]:
        view = open_view(browser, f"{who}, fresh", java_script_enabled=False)
        sign_in(view, server, seeded.tokens[who])
        fresh[kind] = view
    fresh["projector"] = fresh["console"]  # the same person, another page

    steer = room.steer("Overleg over de bakken")
    compared: list[str] = []

    def same(state: str) -> None:
        """Every screen at the meeting's version, then every part of a fresh page as on the followed one."""
        version = server.meeting_version(meeting.meeting)
        for kind, view in followed.items():
            view.at(version)
            page = fresh[kind].page
            page.goto(server.url + path + ("projector" if kind == "projector" else ""))
            assert int(page.locator("#kring").get_attribute("data-version")) == version, (state, kind)
            live, first = parts_of(view), parts_of(fresh[kind])
            assert [k for k, v in first.items() if v is not None] == [k for k, v in live.items() if v is not None]
            for part, drawn in first.items():
                if drawn != live[part]:
                    diff = "\n".join(difflib.unified_diff(drawn.splitlines(), live[part].splitlines(),
                                                          "first load", "followed live", lineterm="", n=2))
                    pytest.fail(f"{state}: #{part} on the {kind}'s page differs:\n{diff}")
        compared.append(state)

    same("planned")

    steer("open_meeting")
    steer.present("Anna", "Fatima", "Aylin", "Kees", "Samira", "Dewi")
    steer("mark_attendance", member_id=ids["Mohamed"], present=False)
    same("open, Joost not marked yet")

    steer.present("Joost")
    steer.round("picture_forming", starter="Kees", proposal=greening)
    # Kees, Samira, Dewi, Anna, Fatima, Joost, Aylin (Mohamed is absent)
    steer.answer("Kees", "speak", "Welke planten kunnen tegen hondenplas?")
    steer.answer("Samira", "pass")
    same("in turn, two answers, Joost waits")

    for name in ("Dewi", "Anna", "Fatima"):
        steer.answer(name, "speak", f"{name} vraagt wie er water geeft.")
    same("in turn, Joost's turn")

    steer.answer("Joost", "speak", "Ik wil wel meedoen.")
    same("in turn, Joost answered")
    steer.answer("Aylin", "speak", "De gemeente levert de bakken.")
    steer("close_round")
    same("the round closed")

    steer.round("opinion_forming", mode="open", proposal=greening)
    steer.answer("Joost", "speak", "Goed plan.")
    steer.answer("Kees", "speak", "Als het rooster er komt.")
    steer.present("Mohamed")  # a late arrival: the console may add him to the round
    same("an open round, some answered, someone came late")
    steer("add_seat", member_id=ids["Mohamed"])
    for name in ("Samira", "Dewi", "Anna", "Fatima", "Aylin", "Mohamed"):
        steer.answer(name, "speak", "Prima.")
    steer("close_round")

    steer.round("consent", mode="open", proposal=greening, reveal=True)
    steer.answer("Kees", "consent")
    steer.answer("Aylin", "consent", "Na de zomer bekijken.")
    same("a consent round with a reveal, partly answered")
    for name in ("Samira", "Dewi", "Anna", "Fatima", "Mohamed"):
        steer.answer(name, "consent")
    steer.answer("Joost", "objection", "Zonder waterploeg verdrogen de planten.", workable="Een rooster.")
    same("the reveal: everyone answered, Joost objects")
    steer("close_round")
    same("an objection stands")

    steer("amend", proposal_id=greening, title="Afvalcontainers vergroenen",
          text="Plantenbakken rond de containers.\nEen waterrooster van vier buren.", note="Rooster erbij.")
    steer.round("consent", mode="in_turn", starter="Joost", proposal=greening)
    for name in ("Joost", "Aylin", "Kees", "Samira", "Dewi", "Mohamed", "Anna", "Fatima"):
        steer.answer(name, "consent")
    steer("close_round")
    steer("adopt", proposal_id=greening)
    same("adopted: the outcome on every screen")

    steer("take_up", proposal_id=meeting.proposals[1])
    same("the next item taken up")

    steer.close()
    assert len(compared) == 12
    for view in followed.values():
        assert view.stayed(), f"{view.name} loaded a page: {view.loads}"
        assert not view.errors, f"script errors on {view.name}: {view.errors}"
    for view in [*followed.values(), fresh["member"], fresh["recorder"], fresh["console"]]:
        view.close()
