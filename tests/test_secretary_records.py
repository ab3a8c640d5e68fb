"""The secretary records for members present without a smartphone, in every kind of round
(docs/reading.md, "Recording for members without a phone"; docs/live-protocol.md, `contribute`,
`withdraw_objection`, `mark_ready`).

Over the real server (tests/server.py) and real Socket.IO connections: only Anna (who steers) and
Fatima (the secretary) have a phone; Fatima marks everyone present and records every answer of the
others, in a picture-forming, an opinion and a consent round (consent, an objection with its reason,
and later withdrawing it), in a ready check, and in an election's nomination and change rounds and
its consent round. Her screen offers the controls for it in each, as the server draws it; and the
record says who recorded what: the log, the minutes (HTML, Markdown, JSON) and the decision page.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pages import shown, unisolated
from tests.scenario import PEOPLE
from tests.server import HOST, KringServer, Seeded, serve, sign_in
from tests.browser import Steer, prepared_once
from tests.test_browser_election import election  # noqa: F401  (a fixture: an election on today's agenda)

pytestmark = pytest.mark.server

NAMES = [name for name, _ in PEOPLE]
#: Who have no phone: everyone but Anna and Fatima.
WITHOUT_PHONE = [name for name in NAMES if name not in ("Anna", "Fatima")]
REASON = "In de zomer geeft niemand de planten water."


@pytest.fixture
def served(tmp_path_factory, tmp_path: Path) -> Iterator[tuple[KringServer, Seeded]]:
    """The real server with Samen Vooruit (prepared once for the browser tests too)."""
    prepared = prepared_once(tmp_path_factory)
    for server in serve(prepared, tmp_path):
        yield server, prepared[1]


def get(server: KringServer, cookie: str, path: str) -> str:
    """A page as the person with `cookie` reads it, in English."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "en"})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    assert response.status == 200, (path, response.status)
    return body


def logged(server: KringServer, action: str) -> list[dict]:
    return [json.loads(data) for (data,) in server.query(
        "SELECT data FROM log_entry WHERE action = ? ORDER BY seq", action)]


def recorded_for(server: KringServer, action: str, seeded: Seeded) -> dict[str, str]:
    """Whom the log says Fatima recorded an `action` for, and what it holds about who recorded."""
    fatima = seeded.members["Fatima"]
    return {e["member"]["name"]: e["recorded_by"]["name"] for e in logged(server, action)
            if e.get("recorded_by", {}).get("id") == fatima}


class Secretary(Steer):
    """Fatima's own phone: she records for others; each step must be accepted."""

    def __init__(self, server: KringServer, seeded: Seeded, meeting: int):
        super().__init__(server, seeded, meeting, name="Fatima")

    def screen(self) -> str:
        """Her meeting page as the server draws it now, without what is hidden."""
        path = f"/c/{self.seeded.circle}/meetings/{self.meeting}/"
        return unisolated(shown(get(self.server, self.phone.cookie, path)))

    def record_for_all(self, answers: dict[str, tuple], anna: Steer) -> None:
        """Each answer in turn: Anna gives her own from her phone, Fatima records every other."""
        for name, (answer, text, *more) in answers.items():
            by = anna if name == "Anna" else self
            by("contribute", **by.phone.answer_payload(answer, text, member_id=self.seeded.members[name],
                                                        **(more[0] if more else {})))


def open_without_phones(anna: Steer, fatima: Secretary) -> None:
    anna("open_meeting")
    for name in NAMES:  # the secretary marks everyone present: most of them have no phone
        fatima("mark_attendance", member_id=fatima.seeded.members[name], present=True)


def test_the_secretary_records_in_every_round_of_a_proposal_and_the_record_says_so(served):
    server, seeded = served
    ids, pid = seeded.members, seeded.proposal
    anna, fatima = Steer(server, seeded, seeded.meeting), Secretary(server, seeded, seeded.meeting)
    open_without_phones(anna, fatima)

    # Picture-forming round, in turn: Fatima records for whoever's turn it is.
    anna.round("picture_forming", proposal=pid)
    screen = fatima.screen()
    assert '<label for="speak-member">Record for</label>' in screen
    for name in NAMES:
        if name == "Anna":
            anna("contribute", **anna.phone.answer_payload("speak", "Wie geeft de planten water?"))
        elif name == "Mohamed":
            fatima.answer(name, "pass")
        else:
            fatima.answer(name, "speak", f"{name} vraagt naar de kosten.")
    anna("close_round")

    # A ready check: she marks ready those without a phone.
    anna("ask_ready")
    screen = fatima.screen()
    assert screen.count(">Mark ready</button>") >= len(WITHOUT_PHONE)
    for name in WITHOUT_PHONE:
        fatima("mark_ready", member_id=ids[name])
    anna("ask_ready", end=True)
    assert recorded_for(server, "mark_ready", seeded) == dict.fromkeys(WITHOUT_PHONE, "Fatima")

    # Opinion round, open: she records for anyone, in any order.
    anna.round("opinion_forming", mode="open", proposal=pid)
    assert '<label for="speak-member">Record for</label>' in fatima.screen()
    fatima.record_for_all({name: ("speak", f"{name} vindt het goed.") for name in reversed(NAMES)}, anna)
    anna("close_round")

    # Consent round: consent for most, and Joost's objection with its reason.
    anna.round("consent", mode="open", proposal=pid)
    screen = fatima.screen()
    assert '<label for="consent-member">Record for</label>' in screen
    assert '<label for="objection-member">Record for</label>' in screen
    answers = {name: ("consent", "") for name in NAMES}
    answers["Joost"] = ("objection", REASON, {"workable": "Als de school in de zomer helpt."})
    fatima.record_for_all(answers, anna)
    anna("close_round")
    [objection] = anna.phone.snapshot()["proposal"]["objections"]
    assert objection["member"] == ids["Joost"] and objection["status"] == "standing"

    # Joost changes his mind, aloud: she withdraws his objection for him, from her screen.
    assert f'name="objection_id" value="{objection["id"]}"' in fatima.screen()
    fatima("withdraw_objection", objection_id=objection["id"])
    anna("adopt", proposal_id=pid)
    anna("close_meeting")

    # The log: every answer of someone without a phone names Fatima as who recorded it.
    contributions = logged(server, "contribute")
    by_fatima = [e for e in contributions if e.get("recorded_by", {}).get("name") == "Fatima"]
    assert len(by_fatima) == 3 * len(WITHOUT_PHONE)
    assert {e["member"]["name"] for e in by_fatima} == set(WITHOUT_PHONE)
    assert all("recorded_by" not in e for e in contributions if e["member"]["name"] in ("Anna", "Fatima"))
    assert recorded_for(server, "withdraw_objection", seeded) == {"Joost": "Fatima"}

    # The minutes, in each format, and the decision page say so.
    cookie = sign_in_cookie(server, seeded, "Joost")
    base = f"/c/{seeded.circle}/meetings/{seeded.meeting}/minutes"
    html = unisolated(get(server, cookie, base))
    markdown = unisolated(get(server, cookie, base + ".md"))
    for text in (html, markdown):
        assert text.count("Recorded by Fatima for Joost") == 3
        assert "Withdrawn by its maker, recorded by Fatima." in text
    minutes = json.loads(get(server, cookie, base + ".json"))
    said = [c for item in minutes["items"] for r in item["rounds"] for c in r["contributions"]]
    assert {c["who"] for c in said if c["recorded_by"] == "Fatima"} == set(WITHOUT_PHONE)
    assert [c for c in said if c["who"] == "Joost" and c["answer"] == "objection"][0]["text"] == REASON
    [ended] = [o for item in minutes["items"] for o in item["objections"]]
    assert ended["status"] == "withdrawn" and ended["withdrawal_recorded_by"] == "Fatima"
    decision = unisolated(get(server, cookie, f"/c/{seeded.circle}/decisions/{pid}/"))
    assert decision.count("Recorded by Fatima for Joost") == 3
    assert "Joost withdrew their objection (recorded by Fatima)." in " ".join(decision.split())
    anna.close()
    fatima.close()


def sign_in_cookie(server: KringServer, seeded: Seeded, name: str) -> str:
    return sign_in(server.port, seeded.tokens[name])


def test_the_secretary_records_nominations_and_their_changes_in_an_election(election):
    server, seeded, pid = election
    ids = seeded.members
    anna, fatima = Steer(server, seeded, seeded.meeting), Secretary(server, seeded, seeded.meeting)
    open_without_phones(anna, fatima)
    anna("take_up", proposal_id=pid)

    anna.round("nomination", mode="open", proposal=pid)
    assert '<label for="nominate-member">Record for</label>' in fatima.screen()
    nominations = {name: ("nominate", f"{name}: Fatima houdt overzicht.", {"nominee_id": ids["Fatima"]})
                   for name in NAMES}
    nominations["Joost"] = ("nominate", "Joost: Aylin kent de buurt.", {"nominee_id": ids["Aylin"]})
    fatima.record_for_all(nominations, anna)
    anna("close_round")

    anna.round("change_nomination", mode="open", proposal=pid)
    assert '<label for="nominate-member">Record for</label>' in fatima.screen()
    changes = {name: ("nominate", "") for name in NAMES}  # keeps their nomination
    changes["Joost"] = ("nominate", "Na de redenen toch Fatima.", {"nominee_id": ids["Fatima"]})
    fatima.record_for_all(changes, anna)
    anna("close_round")

    anna("propose_person", proposal_id=pid, nominee_id=ids["Fatima"], note="Zeven van de acht noemden haar.")
    anna.round("consent", mode="open", proposal=pid)
    assert '<label for="consent-member">Record for</label>' in fatima.screen()
    fatima.record_for_all({name: ("consent", "") for name in NAMES if name != "Fatima"}, anna)
    fatima.answer("Fatima", "consent")  # the person proposed answers last
    anna("close_round")
    anna("adopt", proposal_id=pid)
    anna("close_meeting")

    by_fatima = [e for e in logged(server, "contribute") if e.get("recorded_by", {}).get("name") == "Fatima"]
    assert len(by_fatima) == 3 * len(WITHOUT_PHONE)
    cookie = sign_in_cookie(server, seeded, "Joost")
    base = f"/c/{seeded.circle}/meetings/{seeded.meeting}/minutes"
    for text in (unisolated(get(server, cookie, base)), unisolated(get(server, cookie, base + ".md")),
                 unisolated(get(server, cookie, f"/c/{seeded.circle}/decisions/{pid}/"))):
        assert text.count("Recorded by Fatima for Joost") == 3
    minutes = json.loads(get(server, cookie, base + ".json"))
    [item] = [i for i in minutes["items"] if i["proposal_id"] == pid]
    rounds = {r["kind"]: r["contributions"] for r in item["rounds"]}
    joost = {kind: next(c for c in said if c["who"] == "Joost") for kind, said in rounds.items()}
    assert joost["nomination"]["nominee"] == "Aylin" and joost["nomination"]["recorded_by"] == "Fatima"
    assert joost["change_nomination"]["nominee"] == "Fatima"
    assert joost["change_nomination"]["recorded_by"] == "Fatima"
    assert joost["consent"]["recorded_by"] == "Fatima"
    anna.close()
    fatima.close()
