"""The message for the group's chat, as each page writes it: a planned meeting, an open round between meetings,
an adopted decision; none where there is nothing to tell. Read without JavaScript (the test client): the
WhatsApp link and the text to copy are the page's own.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

from babel.dates import format_date

from circle import between, clock, meetings, proposals
from circle.method import RoundKind
from tests import scenario
from tests.days import TODAY
from tests.test_notices import decide

FSI, PDI = "\u2068", "\u2069"


def offered(page: str) -> str | None:
    """The message a page offers to share (its text to copy), checked against its WhatsApp link; None if none."""
    found = re.search(r"<textarea[^>]*data-share-message>([^<]*)</textarea>", page)
    if found is None:
        assert "wa.me" not in page
        return None
    message = html.unescape(found.group(1))
    link = urlsplit(html.unescape(re.search(r'href="(https://wa\.me/[^"]*)"', page).group(1)))
    assert parse_qs(link.query) == {"text": [message]}
    return message


def test_a_planned_meeting_offers_when_and_where_its_agenda_is_until_it_opens(app, client, sign_in):
    with app.app_context():
        made = scenario.samen_vooruit()
    sign_in(client, made.member_ids["Joost"])
    address = f"/c/{made.circle_id}/meetings/{made.meeting_id}/"
    assert offered(client.get(address).text) == (
        f"{FSI}Samen Vooruit{PDI} vergadert op {format_date(TODAY, 'full', locale='nl')}: {FSI}Kernteam{PDI}. "
        f"De agenda staat hier:\nhttp://kring.test{address}")
    app.config["BASE_URL"] = "https://kring.example.org"
    assert offered(client.get(address).text).endswith("\nhttps://kring.example.org" + address)
    with app.app_context():
        meetings.open_meeting(made.member("Anna"), made.meeting_id)
    assert offered(client.get(address).text) is None


def test_a_round_between_meetings_offers_its_deadline_while_it_is_open(app, client, sign_in):
    with app.app_context():
        made = scenario.samen_vooruit()
        pid = proposals.write_draft(made.member("Kees"), proposals.Wording(
            title="Een bankje", text="Bij de speeltuin.")).subject
    sign_in(client, made.member_ids["Joost"])
    address = f"/c/{made.circle_id}/proposals/{pid}/"
    assert offered(client.get(address).text) is None
    with app.app_context():
        deadline = clock.now() + dt.timedelta(days=3)
        between.start_round_between(made.member("Anna"), pid, RoundKind.PICTURE_FORMING, deadline)
    message = offered(client.get(address).text)
    assert message.startswith(f"Beeldvormende ronde over {FSI}Een bankje{PDI}: geef je antwoord vóór ")
    assert format_date(clock.local(deadline).date(), "full", locale="nl") in message
    assert message.endswith(f"hier:\nhttp://kring.test{address}")


def test_an_adopted_decision_offers_what_was_decided_and_where_to_read_it(app, client, sign_in):
    with app.app_context():
        made = scenario.samen_vooruit()
    sign_in(client, made.member_ids["Joost"])
    address = f"/c/{made.circle_id}/decisions/{made.proposal_id}/"
    assert offered(client.get(address).text) is None  # not decided yet
    with app.app_context():
        decide(made)
    assert offered(client.get(address).text) == (
        f"{FSI}Samen Vooruit{PDI} heeft op {format_date(TODAY, 'long', locale='nl')} besloten: "
        f"{FSI}Afvalcontainers vergroenen{PDI}. Lees hoe het besluit tot stand kwam:\nhttp://kring.test{address}")
    english = client.post("/lang", data={"lang": "en", "next": address,
                                         "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                                 client.get(address).text).group(1)})
    assert english.status_code == 303
    assert offered(client.get(address).text).startswith(f"{FSI}Samen Vooruit{PDI} decided on ")
