"""Notices by e-mail, through a real SMTP server on 127.0.0.1: who gets what, once, in their language.

A meeting planned on the circle's page and a decision taken in a meeting are
mailed to the people with an address, each in their own language, with a
link that opens the page (followed here with the test client, signed in as
the one it was sent to) and, for the meeting, a calendar invitation that
holds to RFC 5545. Who chose "none", or gave no address, is sent nothing.
"""

from __future__ import annotations

import datetime as dt
import email.policy
from email.message import EmailMessage

import sqlalchemy as sa
from babel.dates import format_date

from circle import meetings, notices, proposals
from circle.extensions import db
from circle.method import Answer, RoundKind
from circle.models import Delivery, Meeting, Notice, NoticeKind, NoticePreference
from circle.tick import run_all
from tests import scenario
from tests.days import TODAY, days
from tests.mailbox import Mailbox, mailbox, smtp  # noqa: F401  (fixtures)
from tests.notices_setup import ADDRESSES, BASE_URL, by_recipient, links, path, residents, sent_notices, settled  # noqa: F401
from tests.scenario import PEOPLE

LONG_TITLE = "Najaarsoverleg over de binnentuin, de fietsenstalling en het groen langs de Javastraat"


def plan(client, sign_in, csrf_token, made, title: str = LONG_TITLE, when: dt.date | None = None):
    """Anna plans a meeting on the circle's page, as she would."""
    sign_in(client, made.member_ids["Anna"])
    page = client.get(f"/c/{made.circle_id}/")
    response = client.post(f"/c/{made.circle_id}/plan-meeting", data={
        "csrf_token": csrf_token(page.text), "title": title, "date": (when or days(14)).isoformat()})
    assert response.status_code == 303, response.text
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/sign-in").text)})


def calendar(msg: EmailMessage) -> tuple[bytes, dict[str, str]]:
    """The invitation attached to a mail: its raw bytes, and its properties unfolded."""
    (part,) = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    raw = part.get_payload(decode=True)
    unfolded = raw.decode("utf-8").replace("\r\n ", "")
    props: dict[str, str] = {}
    for line in unfolded.split("\r\n"):
        if line:
            name, value = line.split(":", 1)
            props.setdefault(name.split(";")[0], line)
            props[name.split(";")[0]] = line if name.split(";")[0] in ("ORGANIZER", "ATTENDEE") else value
    return raw, props


# --- A meeting is planned ------------------------------------------------------------------------


def test_a_planned_meeting_reaches_each_with_an_address_once_in_their_language(
        app, client, sign_in, csrf_token, residents, mailbox: Mailbox):
    plan(client, sign_in, csrf_token, residents)
    got = by_recipient(settled(mailbox))
    assert set(got) == {address for address, _ in ADDRESSES.values()}
    assert got["joost@example.org"]["Subject"].startswith("\u2068Samen Vooruit\u2069: Meeting on ")
    assert LONG_TITLE in got["joost@example.org"]["Subject"]
    assert "Vergadering op " in got["anna@example.org"]["Subject"]
    assert "Vergadering op " in got["aylin@example.org"]["Subject"]  # never chose: Kring's default, Dutch
    joost, anna = Mailbox.text(got["joost@example.org"]), Mailbox.text(got["anna@example.org"])
    assert "Hello \u2068Joost\u2069," in joost and "Nothing is on the agenda yet." in joost
    assert "Hallo \u2068Anna\u2069," in anna and "Er staat nog niets op de agenda." in anna
    assert format_date(days(14), "full", locale="en") in joost
    assert format_date(days(14), "full", locale="nl") in anna
    with app.app_context():
        meeting_id = db.session.scalar(sa.select(Meeting.id).where(Meeting.title == LONG_TITLE))
        kees = residents.member("Kees").person_id
        (kees_notice,) = sent_notices(kees)
        assert kees_notice.delivery == Delivery.NONE and kees_notice.sent_at is None  # no address, nothing sent
        assert all(n.sent_at is not None for n in sent_notices() if n.delivery == Delivery.EACH)
    for address, msg in got.items():
        assert msg.get_body(preferencelist=("html",)) is not None
        (meeting_link, preferences_link) = links(Mailbox.text(msg))
        assert path(meeting_link) == f"/c/{residents.circle_id}/meetings/{meeting_id}/"
        assert path(preferences_link) == "/you/notices"
        name = next(n for n, (a, _) in ADDRESSES.items() if a == address)
        sign_in(client, residents.member_ids[name])
        assert client.get(path(meeting_link)).status_code == 200
        assert client.get(path(preferences_link)).status_code == 200


def test_the_invitation_is_a_valid_icalendar_request_with_one_uid_per_meeting(
        app, client, sign_in, csrf_token, residents, mailbox: Mailbox):
    plan(client, sign_in, csrf_token, residents)
    got = by_recipient(settled(mailbox))
    uids = set()
    for address, msg in got.items():
        raw, props = calendar(msg)
        lines = raw.split(b"\r\n")
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF, and only CRLF
        assert all(len(line) <= 75 for line in lines), "a line longer than 75 octets"
        assert any(line.startswith(b" ") for line in lines), "the long title is folded"
        raw.decode("utf-8")  # folding never splits a character
        assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2] == b"END:VCALENDAR"
        for required in ("VERSION", "PRODID", "METHOD", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY",
                         "ORGANIZER", "ATTENDEE", "SEQUENCE"):
            assert required in props, required
        assert props["VERSION"] == "2.0" and props["METHOD"] == "REQUEST"
        assert props["DTSTART"] == days(14).strftime("%Y%m%d")
        assert props["DTEND"] == days(15).strftime("%Y%m%d")
        assert LONG_TITLE.replace(",", "\\,") in props["SUMMARY"]
        assert props["ATTENDEE"].endswith(f":mailto:{address}")
        assert props["ORGANIZER"].endswith(":mailto:kring@example.org")
        assert props["URL"].startswith(BASE_URL + f"/c/{residents.circle_id}/meetings/")
        uids.add(props["UID"])
    assert len(uids) == 1 and uids.pop().startswith("kring-meeting-")


def test_none_sends_nothing_and_each_kind_follows_its_own_choice(
        app, client, sign_in, csrf_token, residents, mailbox: Mailbox):
    with app.app_context():
        notices.set_preferences(residents.member("Joost").person, {NoticeKind.MEETING_PLANNED: Delivery.NONE})
        notices.set_preferences(residents.member("Fatima").person, {NoticeKind.MEETING_PLANNED: Delivery.DIGEST})
    plan(client, sign_in, csrf_token, residents)
    got = by_recipient(settled(mailbox))
    assert set(got) == {"anna@example.org", "aylin@example.org"}
    with app.app_context():
        assert run_all()  # Fatima's digest goes now (it is past the digest hour); Joost still gets nothing
    got = by_recipient(settled(mailbox))
    assert set(got) == {"anna@example.org", "aylin@example.org", "fatima@example.org"}
    fatima = got["fatima@example.org"]
    assert fatima["Subject"].startswith("Kring: ") and fatima["Message-ID"].startswith("<kring-digest-")
    assert LONG_TITLE in Mailbox.text(fatima) and "\u2068Samen Vooruit\u2069" in Mailbox.text(fatima)


# --- A decision was made -------------------------------------------------------------------------


def decide(made) -> None:
    """Samen Vooruit's meeting adopts Aylin's proposal, everyone consenting."""
    scenario.everyone_present(made)
    scenario.run_round(made, RoundKind.PICTURE_FORMING)
    scenario.run_round(made, RoundKind.OPINION_FORMING)
    scenario.run_round(made, RoundKind.CONSENT, {"Joost": (Answer.CONSENT, "Let op de zomer.")})
    proposals.adopt(made.member("Anna"), made.meeting_id, made.proposal_id)


def test_a_decision_goes_in_the_day_s_digest_with_where_to_read_it_back(
        app, client, sign_in, csrf_token, residents, mailbox: Mailbox):
    with app.app_context():
        made = residents
        aylin = made.member("Aylin")
        made.proposal_id = proposals.write_draft(aylin, proposals.Wording(
            title="Afvalcontainers vergroenen", text="Plantenbakken rond de containers.",
            review_date=days(98))).subject
        notices.set_preferences(made.member("Anna").person, {NoticeKind.MEETING_PLANNED: Delivery.DIGEST})
        for name in ("Joost", "Aylin", "Fatima"):
            notices.set_preferences(made.member(name).person, {NoticeKind.MEETING_PLANNED: Delivery.NONE})
        made.meeting_id = meetings.plan_meeting(made.member("Anna"), "Kernteam", TODAY).subject
        proposals.put_on_agenda(made.member("Anna"), made.proposal_id, made.meeting_id)
        decide(made)
        assert settled(mailbox) == []  # decisions come in the digest, by default
        decided = {n.person_id for n in sent_notices() if n.kind == NoticeKind.DECISION_MADE}
        assert decided == {made.member(name).person_id for name, _ in PEOPLE}  # told all, sent to those with an address
        run_all()
    got = by_recipient(settled(mailbox))
    assert set(got) == {address for address, _ in ADDRESSES.values()}
    joost, anna = Mailbox.text(got["joost@example.org"]), Mailbox.text(got["anna@example.org"])
    assert "Decided: \u2068Afvalcontainers vergroenen\u2069" in joost
    assert "Plantenbakken rond de containers." in joost
    assert "Read the decision and how it came about:" in joost
    assert "Besloten: \u2068Afvalcontainers vergroenen\u2069" in anna
    assert "Kernteam" not in anna  # the meeting had begun: Anna's planned-meeting notice had nothing left to tell
    (decision_link, _) = links(joost)
    assert path(decision_link) == f"/c/{made.circle_id}/decisions/{made.proposal_id}/"
    sign_in(client, made.member_ids["Joost"])
    assert client.get(path(decision_link)).status_code == 200
    with app.app_context():
        anna_meeting = next(n for n in sent_notices(made.member("Anna").person_id)
                            if n.kind == NoticeKind.MEETING_PLANNED)
        assert anna_meeting.dropped_at is not None and anna_meeting.sent_at is None


def test_a_message_parses_as_mail_with_plain_text_first(app, client, sign_in, csrf_token, residents, mailbox):
    plan(client, sign_in, csrf_token, residents, title="Kort")
    msg = by_recipient(settled(mailbox))["anna@example.org"]
    assert msg.policy == email.policy.default
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(preferencelist=("plain", "html"))
    assert body.get_content_type() == "text/plain"
    assert msg["Message-ID"].startswith("<kring-notice-") and msg["Message-ID"].endswith("@kring.test>")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == len(PEOPLE)


# --- Choosing ---------------------------------------------------------------------------------------


def choices(html: str) -> dict[str, str]:
    """The option checked for each kind on the page."""
    import re

    found = re.findall(r'<input checked id="[a-z_]+-\d" name="([a-z_]+)" required type="radio" value="([a-z]+)"',
                       html)
    return dict(found)


def test_a_person_chooses_per_kind_on_their_page_and_the_defaults_are_sensible(
        app, client, sign_in, csrf_token, residents):
    sign_in(client, residents.member_ids["Joost"])
    page = client.get("/you/notices")
    assert "joost@example.org" in page.text
    assert choices(page.text) == {"meeting_planned": "each", "round_open": "each", "decision_made": "digest",
                                  "review_due": "digest", "task_overdue": "each"}
    chosen = {"meeting_planned": "none", "round_open": "digest", "decision_made": "each", "review_due": "none",
              "task_overdue": "digest"}
    saved = client.post("/you/notices", data={"csrf_token": csrf_token(page.text), **chosen}, follow_redirects=True)
    assert "Your choices are saved." in saved.text
    assert choices(saved.text) == chosen
    with app.app_context():
        assert {k.value: d.value for k, d in notices.preferences(residents.member("Joost").person).items()} == chosen
        assert notices.preferences(residents.member("Anna").person)[NoticeKind.MEETING_PLANNED] == Delivery.EACH


def test_a_choice_left_out_or_made_up_is_refused_and_nothing_stored(app, client, sign_in, csrf_token, residents):
    sign_in(client, residents.member_ids["Anna"])
    token = csrf_token(client.get("/you/notices").text)
    for sent, said in (({"meeting_planned": "none"}, "Kies hoe je hierover wilt horen."),
                       ({k.value: "hourly" for k in notices.CHOSEN}, "Ongeldige keuze")):
        refused = client.post("/you/notices", data={"csrf_token": token, **sent})
        assert refused.status_code == 422 and said in refused.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticePreference)) == 0


def test_without_an_address_the_page_says_nothing_is_sent(app, client, sign_in, residents):
    sign_in(client, residents.member_ids["Kees"])
    page = client.get("/you/notices")
    assert "Kring stuurt je niets zolang je geen e-mailadres hebt gegeven." in page.text
    assert 'href="/you/data#about-you"' in page.text
