"""A meeting's printable handout for members without a smartphone (docs/reading.md): the agenda in its
order with each proposal's full current text, how the rounds go, lined room for notes; large print;
for every seated member of the circle, and nobody else."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from circle import proposals
from circle.circles import create_circle
from circle.extensions import db
from circle.models import LogEntry, Member
from tests import scenario
from tests.pages import unisolated

SECOND = proposals.Wording(
    title="Buurtmoestuinwerkgroepvergadering elke maand",
    text="De werkgroep komt elke eerste dinsdag samen.\nIedereen mag aanschuiven.",
    background="Nu weet niemand wanneer.",
)


@pytest.fixture
def made(app):
    """Samen Vooruit with two proposals on the meeting's agenda, a guest, and another circle."""
    with app.app_context():
        made = scenario.samen_vooruit(guest=True)
        second = proposals.write_draft(made.member("Joost"), SECOND).subject
        proposals.put_on_agenda(made.member("Anna"), second, made.meeting_id)
        create_circle("Buren Oost", "Bob")
        for name in ("Anna", "Fatima", "Joost"):
            made.member(name).person.language = "en"
        db.session.commit()
        made.second = second
        return made


def url(made, **query) -> str:
    extra = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/c/{made.circle_id}/meetings/{made.meeting_id}/handout{extra}"


def test_the_handout_holds_the_agenda_in_order_the_texts_the_rounds_and_room_for_notes(
        app, client, sign_in, made):
    sign_in(client, made.member_ids["Joost"])
    with app.app_context():
        entries = db.session.query(LogEntry).count()
    page = client.get(url(made))
    assert page.status_code == 200
    text = unisolated(page.text)
    article = text[text.index('<article class="meeting-handout">'):text.index("</article>")]
    assert "Samen Vooruit" in article and "Kernteam" in article
    titles = re.findall(r"<h3>([^<]+)</h3>", article)
    assert titles == ["Afvalcontainers vergroenen", "Buurtmoestuinwerkgroepvergadering elke maand"]
    assert "Plantenbakken rond de containers in de Javastraat." in article
    assert "De werkgroep komt elke eerste dinsdag samen.\nIedereen mag aanschuiven." in article
    assert "Nu weet niemand wanneer." in article
    assert "Proposed by Aylin" in article and "Proposed by Joost" in article
    for words in ("The picture-forming round asks", "The opinion round asks", "In the consent round everyone says",
                  "Consent means:", "An objection is a reason", "The secretary records it for you"):
        assert words in article
    # Lined room for notes under each agenda item, and for the meeting as a whole.
    assert article.count('<ul class="note-lines" aria-hidden="true">') == 3
    assert re.search(r'<li class="handout-item" id="item-\d+">.*?<ul class="note-lines"', article, re.S)
    assert article.count("<li></li>") == 3 * 6
    # Names and texts of people stand in <bdi>, for right-to-left safety.
    assert "<bdi>Aylin</bdi>" in page.text and "<bdi>Samen Vooruit</bdi>" in page.text
    assert "<bdi>Afvalcontainers vergroenen</bdi>" in page.text
    assert 'href="/static/print.css" media="print"' in page.text
    with app.app_context():
        assert db.session.query(LogEntry).count() == entries  # reading it changes nothing


def test_the_current_version_is_printed(app, client, sign_in, made):
    with app.app_context():
        proposals.edit_draft(made.member("Aylin"), made.proposal_id, proposals.Wording(
            title="Afvalcontainers vergroenen", text="Bloembakken, geen plantenbakken."), note="Beter.")
    sign_in(client, made.member_ids["Joost"])
    page = unisolated(client.get(url(made)).text)
    assert "Bloembakken, geen plantenbakken." in page and "Plantenbakken rond" not in page
    assert "version 2" in page


def test_large_print(client, sign_in, made):
    sign_in(client, made.member_ids["Joost"])
    large = client.get(url(made, print="large")).text
    assert '<article class="meeting-handout large-print">' in large
    assert "large-print" not in client.get(url(made)).text.split("<article")[1].split(">")[0]
    assert f'href="{url(made)}"' in large  # back to the usual print
    assert f'href="{url(made, print="large")}"' in client.get(url(made)).text


@pytest.mark.parametrize("name", ["Anna", "Fatima", "Joost"])
def test_every_seated_member_may_print_it(client, sign_in, made, name):
    sign_in(client, made.member_ids[name])
    assert client.get(url(made)).status_code == 200


def test_the_secretary_and_facilitator_find_it_on_the_meeting_and_circle_pages(client, sign_in, made):
    link = f'href="{url(made)}"'
    for name, shown in (("Fatima", True), ("Anna", True), ("Joost", False)):
        sign_in(client, made.member_ids[name])
        assert (link in client.get(f"/c/{made.circle_id}/meetings/{made.meeting_id}/").text) is shown, name
        assert (link in client.get(f"/c/{made.circle_id}/").text) is shown, name


def test_a_guest_is_refused_and_someone_of_another_circle_sees_nothing(app, client, sign_in, made):
    sign_in(client, made.member_ids["Wijkteam"])
    assert client.get(url(made)).status_code == 403
    other = app.test_client()
    with app.app_context():
        bob = db.session.scalar(sa.select(Member.id).where(Member.circle_id != made.circle_id))
    sign_in(other, bob)
    assert other.get(url(made)).status_code == 404
    assert app.test_client().get(url(made)).status_code == 302  # signed out: to sign in
