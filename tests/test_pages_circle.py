"""The circle's home page and the proposal pages, used through a browser without JavaScript.

Each test signs a person in with their personal link, reads a page, posts its
form with the page's CSRF token, and checks what the page then says and what
the database holds. A refused form shows why and stores nothing.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from circle import meetings, proposals, rounds
from circle.circles import create_circle
from circle.extensions import db
from circle.method import MESSAGES, RoundKind, RoundMode
from circle.models import LogEntry, Member, Proposal, ProposalVersion
from tests.scenario import PEOPLE, everyone_present, samen_vooruit
from tests.days import days
from tests.pages import unisolated


def text(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, white space collapsed."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def rows(app, model, **where) -> int:
    """How many rows of a model the database holds (optionally filtered)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def made(app):
    """Samen Vooruit with a guest, a draft on the agenda of a planned meeting."""
    with app.app_context():
        return samen_vooruit(guest=True)


@pytest.fixture
def browser(app, sign_in):
    """`browser(member_id)`: a signed-in client that reads pages in English."""

    def open_as(member_id: int):
        client = app.test_client()
        with client.session_transaction() as session:
            session["lang"] = "en"
        sign_in(client, member_id)
        return client

    return open_as


def post_form(client, page_url: str, action: str, csrf_token, **data):
    """Read the page, then post `data` with its CSRF token to `action`."""
    token = csrf_token(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data})


# --- The home page ------------------------------------------------------------


def test_home_lists_members_in_ring_order_with_roles(app, made, browser):
    page = browser(made.member_ids["Joost"]).get(f"/c/{made.circle_id}/")
    assert page.status_code == 200
    seen = text(page.text)
    assert "Samen Vooruit" in seen
    names = [name for name, _ in PEOPLE] + ["Wijkteam"]
    members = seen[seen.index("Who is in the circle"):]
    assert [members.index(n) for n in names] == sorted(members.index(n) for n in names)
    assert "Anna · Facilitator" in members and "Fatima · Secretary" in members
    assert "Joost · Member" in members and "Wijkteam · Guest" in members


def test_home_lists_meetings_open_planned_then_closed_newest_first(app, made, browser):
    with app.app_context():
        anna = made.member("Anna")
        for title, day in (("September", days(-83)), ("October", days(-48))):
            old = meetings.plan_meeting(anna, title, day).subject
            meetings.open_meeting(anna, old)
            meetings.close_meeting(anna, old)
        later = meetings.plan_meeting(anna, "December", days(21)).subject
        meetings.open_meeting(anna, made.meeting_id)
    page = browser(made.member_ids["Joost"]).get(f"/c/{made.circle_id}/").text
    seen = text(page)
    order = [seen.index(t) for t in ("Now Kernteam", "Planned December", "Closed October",
                                     "Closed September")]
    assert order == sorted(order)
    assert f'href="/c/{made.circle_id}/meetings/{made.meeting_id}/"' in page
    assert f'href="/c/{made.circle_id}/meetings/{later}/"' in page


def test_home_shows_the_agenda_pool_and_decisions(app, made, browser):
    with app.app_context():
        joost = made.member("Joost")
        loose = proposals.write_draft(joost, proposals.Wording("Buurtkeuken", "Samen koken.")).subject
        gone = proposals.write_draft(joost, proposals.Wording("Feest", "Een straatfeest.")).subject
        proposals.withdraw(joost, gone)
    client = browser(made.member_ids["Joost"])
    page = client.get(f"/c/{made.circle_id}/").text
    seen = text(page)
    pool = seen[seen.index("Proposals waiting for a meeting"):seen.index("Decisions")]
    assert "Afvalcontainers vergroenen" in pool and "On the agenda of: Kernteam" in pool
    assert "Buurtkeuken" in pool and "Not on an agenda yet" in pool
    assert f'href="/c/{made.circle_id}/proposals/{loose}/"' in page
    decisions = seen[seen.index("Decisions"):seen.index("Who is in the circle")]
    assert "Feest" in decisions and "Withdrawn" in decisions
    assert f'href="/c/{made.circle_id}/decisions/{gone}/"' in page


def test_forms_show_only_for_roles_that_may_use_them(app, made, browser):
    url = f"/c/{made.circle_id}/"
    anna = text(browser(made.member_ids["Anna"]).get(url).text)
    assert "Plan a meeting" in anna and "Add someone to the circle" in anna
    fatima = text(browser(made.member_ids["Fatima"]).get(url).text)
    assert "Plan a meeting" in fatima and "Add someone to the circle" not in fatima
    joost = text(browser(made.member_ids["Joost"]).get(url).text)
    assert "New proposal" in joost
    assert "Plan a meeting" not in joost and "Add someone to the circle" not in joost
    guest = text(browser(made.member_ids["Wijkteam"]).get(url).text)
    assert "New proposal" not in guest


def test_facilitator_adds_a_member_and_gets_their_sign_in_link(app, made, browser, csrf_token):
    client = browser(made.member_ids["Anna"])
    url = f"/c/{made.circle_id}/"
    response = post_form(client, url, f"{url}members", csrf_token, name="Priya", role="member")
    assert response.status_code == 303
    page = unisolated(html.unescape(client.get(url).text))
    assert "Priya is now in the circle." in page
    link = re.search(r"http://kring\.test(/s/[^\s<]+)", page).group(1)
    assert "Priya · Member" in text(page)
    # The link is Priya's: it signs her in on her own phone.
    phone = app.test_client()
    confirm = phone.get(link)
    assert confirm.status_code == 200 and "Priya" in confirm.text
    assert phone.post(link, data={"csrf_token": csrf_token(confirm.text)}).status_code == 303
    assert "Priya" in phone.get(url).text


def test_facilitator_plans_a_meeting(app, made, browser, csrf_token):
    client = browser(made.member_ids["Anna"])
    url = f"/c/{made.circle_id}/"
    response = post_form(client, url, f"{url}plan-meeting", csrf_token,
                         title="Januari-overleg", date=days(49).isoformat())
    assert response.status_code == 303
    assert "Planned Januari-overleg" in text(client.get(url).text)


def test_a_member_cannot_add_members(app, made, browser, csrf_token):
    client = browser(made.member_ids["Joost"])
    url = f"/c/{made.circle_id}/"
    before = rows(app, Member), rows(app, LogEntry)
    response = post_form(client, url, f"{url}members", csrf_token, name="Indringer", role="facilitator")
    assert response.status_code == 422
    assert MESSAGES["not_allowed"] in text(response.text)
    assert "Add someone to the circle" not in text(response.text)
    assert (rows(app, Member), rows(app, LogEntry)) == before


def test_a_name_already_in_the_circle_is_refused(app, made, browser, csrf_token):
    client = browser(made.member_ids["Anna"])
    url = f"/c/{made.circle_id}/"
    before = rows(app, Member)
    response = post_form(client, url, f"{url}members", csrf_token, name=" Joost ", role="member")
    assert response.status_code == 422 and MESSAGES["name_taken"] in text(response.text)
    response = post_form(client, url, f"{url}members", csrf_token, name="", role="member")
    assert response.status_code == 422 and "Name: This field is required." in text(response.text)
    response = post_form(client, url, f"{url}members", csrf_token, name="Nieuw", role="koning")
    assert response.status_code == 422 and "Not a valid choice." in text(response.text)
    assert rows(app, Member) == before


def test_a_member_cannot_plan_meetings_and_a_bad_date_is_refused(app, made, browser, csrf_token):
    url = f"/c/{made.circle_id}/"
    before = rows(app, LogEntry)
    joost = browser(made.member_ids["Joost"])
    response = post_form(joost, url, f"{url}plan-meeting", csrf_token, title="Stiekem", date=days(49).isoformat())
    assert response.status_code == 422 and MESSAGES["not_allowed"] in text(response.text)
    anna = browser(made.member_ids["Anna"])
    response = post_form(anna, url, f"{url}plan-meeting", csrf_token, title="Ooit", date="morgen")
    assert response.status_code == 422 and "Date: This field is required." in text(response.text)
    assert rows(app, LogEntry) == before


def test_a_member_of_another_circle_gets_404(app, made, browser):
    with app.app_context():
        _, stranger = create_circle("Andere Kring", "Bram")
        stranger_id = stranger.id
    client = browser(stranger_id)
    base = f"/c/{made.circle_id}"
    for url in (f"{base}/", f"{base}/proposals/new", f"{base}/proposals/{made.proposal_id}/",
                f"{base}/proposals/{made.proposal_id}/edit", f"{base}/decisions/{made.proposal_id}/"):
        assert client.get(url).status_code == 404, url


def test_a_proposal_of_another_circle_is_404_in_your_own_circle(app, made, browser):
    with app.app_context():
        _, bram = create_circle("Andere Kring", "Bram")
        theirs = proposals.write_draft(bram, proposals.Wording("Geheim", "Niet voor jullie.")).subject
    client = browser(made.member_ids["Joost"])
    for url in (f"/c/{made.circle_id}/proposals/{theirs}/", f"/c/{made.circle_id}/decisions/{theirs}/"):
        assert client.get(url).status_code == 404


def test_an_id_too_big_for_the_database_is_404(app, made, browser):
    client = browser(made.member_ids["Joost"])
    huge = 2**64
    for url in (f"/c/{made.circle_id}/proposals/{huge}/", f"/c/{made.circle_id}/proposals/{huge}/edit",
                f"/c/{made.circle_id}/decisions/{huge}/", f"/c/{huge}/"):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(app, made):
    client = app.test_client()
    for url in (f"/c/{made.circle_id}/", f"/c/{made.circle_id}/proposals/new",
                f"/c/{made.circle_id}/decisions/{made.proposal_id}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


# --- Writing and editing a proposal -------------------------------------------


def test_a_member_writes_a_draft_and_edits_it(app, made, browser, csrf_token):
    client = browser(made.member_ids["Joost"])
    new = f"/c/{made.circle_id}/proposals/new"
    response = post_form(client, new, new, csrf_token, title="Buurtkeuken",
                         text="Elke vrijdag koken we samen.", background="Veel mensen eten alleen.",
                         review_date=days(190).isoformat(), success_criteria="Twintig mensen per week.",
                         carried_out_by="Joost en Samira")
    assert response.status_code == 303
    url = response.headers["Location"]
    page = text(client.get(url).text)
    assert "Buurtkeuken" in page and "Elke vrijdag koken we samen." in page
    assert "Draft" in page and "Version 1" in page and "Joost en Samira" in page

    edit = url + "edit"
    form = client.get(edit).text
    assert 'value="Buurtkeuken"' in form and "Elke vrijdag koken we samen." in form
    response = post_form(client, edit, edit, csrf_token, title="Buurtkeuken op vrijdag",
                         text="Elke vrijdag koken we samen in het buurthuis.",
                         note="Het buurthuis heeft een keuken.", based_on="1")
    assert response.status_code == 303
    page = text(client.get(url).text)
    assert "Saved as version 2." in page
    assert "Buurtkeuken op vrijdag" in page and "Version 2" in page and "Version 1" in page
    assert "Het buurthuis heeft een keuken." in page

    record = text(client.get(url.replace("/proposals/", "/decisions/")).text)
    assert "Elke vrijdag koken we samen." in record  # version 1 is kept as it was
    assert "Elke vrijdag koken we samen in het buurthuis." in record
    assert rows(app, ProposalVersion) == 3  # the scenario's draft, and these two


def test_an_empty_title_is_refused_and_nothing_is_stored(app, made, browser, csrf_token):
    client = browser(made.member_ids["Joost"])
    new = f"/c/{made.circle_id}/proposals/new"
    before = rows(app, Proposal), rows(app, ProposalVersion), rows(app, LogEntry)
    response = post_form(client, new, new, csrf_token, title="   ", text="Zonder titel.")
    assert response.status_code == 422
    page = text(response.text)
    assert "Please check what you entered." in page and "This field is required." in page
    assert "Zonder titel." in page  # what was typed is still there
    assert (rows(app, Proposal), rows(app, ProposalVersion), rows(app, LogEntry)) == before


def test_an_oversized_text_is_refused_and_nothing_is_stored(app, made, browser, csrf_token):
    client = browser(made.member_ids["Aylin"])
    new = f"/c/{made.circle_id}/proposals/new"
    before = rows(app, Proposal), rows(app, ProposalVersion), rows(app, LogEntry)
    response = post_form(client, new, new, csrf_token, title="Te lang", text="x" * 10_001)
    assert response.status_code == 422
    assert "cannot be longer than 10000 characters" in text(response.text)

    edit = f"/c/{made.circle_id}/proposals/{made.proposal_id}/edit"
    response = post_form(client, edit, edit, csrf_token, title="Te lang", text="x" * 10_001, based_on="1")
    assert response.status_code == 422
    assert "cannot be longer than 10000 characters" in text(response.text)
    assert (rows(app, Proposal), rows(app, ProposalVersion), rows(app, LogEntry)) == before


def test_an_edit_based_on_an_old_version_is_refused(app, made, browser, csrf_token):
    edit = f"/c/{made.circle_id}/proposals/{made.proposal_id}/edit"
    aylin, fatima = browser(made.member_ids["Aylin"]), browser(made.member_ids["Fatima"])
    token = csrf_token(aylin.get(edit).text)
    assert post_form(fatima, edit, edit, csrf_token, title="Door Fatima", text="Nieuw.",
                     based_on="1").status_code == 303
    response = aylin.post(edit, data={"csrf_token": token, "title": "Door Aylin", "text": "Ook nieuw.",
                                      "based_on": "1"})
    assert response.status_code == 422
    page = text(response.text)
    assert MESSAGES["stale"] in page
    assert "The latest version, saved by Fatima" in page and "Door Fatima" in page
    assert "Ook nieuw." in page  # Aylin's text is not lost: she can save it again
    assert rows(app, ProposalVersion) == 2


def test_only_the_proposer_or_a_recorder_may_edit(app, made, browser, csrf_token):
    edit = f"/c/{made.circle_id}/proposals/{made.proposal_id}/edit"
    joost = browser(made.member_ids["Joost"])
    response = joost.get(edit)
    assert response.status_code == 303
    assert MESSAGES["not_allowed"] in text(joost.get(response.headers["Location"]).text)
    token = csrf_token(joost.get(f"/c/{made.circle_id}/").text)
    response = joost.post(edit, data={"csrf_token": token, "title": "Overgenomen", "text": "Van mij.",
                                      "based_on": "1"})
    assert response.status_code == 422 and MESSAGES["not_allowed"] in text(response.text)
    assert rows(app, ProposalVersion) == 1


def test_secretary_puts_a_draft_on_the_agenda_and_a_member_cannot(app, made, browser, csrf_token):
    with app.app_context():
        draft = proposals.write_draft(made.member("Joost"), proposals.Wording("Bankjes", "Twee bankjes.")).subject
    url = f"/c/{made.circle_id}/proposals/{draft}/"
    joost = browser(made.member_ids["Joost"])
    assert "Put on the agenda" not in text(joost.get(url).text)
    response = post_form(joost, url, url + "agenda", csrf_token, meeting_id=str(made.meeting_id))
    assert MESSAGES["not_allowed"] in text(joost.get(response.headers["Location"]).text)

    fatima = browser(made.member_ids["Fatima"])
    page = fatima.get(url).text
    assert "Put on the agenda" in text(page) and "Kernteam" in page
    response = post_form(fatima, url, url + "agenda", csrf_token, meeting_id=str(made.meeting_id))
    page = text(fatima.get(response.headers["Location"]).text)
    assert "The proposal is on the agenda." in page and "On the agenda of: Kernteam" in page
    assert "Put on the agenda" not in page


def test_the_proposer_withdraws_a_draft_but_not_during_a_round(app, made, browser, csrf_token):
    url = f"/c/{made.circle_id}/proposals/{made.proposal_id}/"
    assert "Withdraw this proposal" not in text(browser(made.member_ids["Joost"]).get(url).text)
    aylin = browser(made.member_ids["Aylin"])
    token = csrf_token(aylin.get(url).text)
    assert "Withdraw this proposal" in text(aylin.get(url).text)
    with app.app_context():
        everyone_present(made)
        rounds.start_round(made.member("Anna"), made.meeting_id, RoundKind.PICTURE_FORMING,
                             RoundMode.OPEN, proposal_id=made.proposal_id)
    assert "Withdraw this proposal" not in text(aylin.get(url).text)  # the meeting is open
    response = aylin.post(url + "withdraw", data={"csrf_token": token})
    assert MESSAGES["round_open"] in text(aylin.get(response.headers["Location"]).text)
    with app.app_context():
        assert db.session.get(Proposal, made.proposal_id).phase == "picture_forming"
        rounds.close_round(made.member("Anna"), made.meeting_id)
    response = aylin.post(url + "withdraw", data={"csrf_token": token})
    page = text(aylin.get(response.headers["Location"]).text)
    assert "The proposal is withdrawn." in page and "Withdrawn" in page


def test_a_long_agenda_pool_shows_ten_and_links_the_rest(app, client, sign_in):
    """The home page stays short on an old phone; the logbook holds the rest."""
    from circle import proposals as actions
    from tests.scenario import samen_vooruit

    with app.app_context():
        made = samen_vooruit()
        joost = made.member("Joost")
        for n in range(12):
            actions.write_draft(joost, actions.Wording(title=f"Idee {n}", text="Tekst."))
    sign_in(client, made.member_ids["Joost"])
    page = client.get(f"/c/{made.circle_id}/").text
    pool = page.split('id="agenda-pool"')[1].split("</section>")[0]
    assert pool.count("<li>") == 10
    assert "en nog 3" in pool  # 13 waiting: the demo's draft and twelve ideas
    assert f"/c/{made.circle_id}/logbook/" in pool
