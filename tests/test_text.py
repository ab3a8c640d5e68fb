"""Text from people (circle/text.py): control characters refused, direction isolated, ids that are integers.

The whole corpus of hostile text through every form, socket and page is
tests/test_hostile.py; this module holds the rules one by one.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from circle.extensions import db, socketio
from circle.models import Contribution, LogEntry, Meeting, Proposal
from circle.text import (
    FSI,
    PDI,
    balanced,
    bdi,
    has_control_characters,
    isolate,
    say,
    without_control_characters,
)
from tests.conftest import live_connection
from tests.scenario import everyone_present, samen_vooruit

RLO, LRI, RLI = "\u202e", "\u2066", "\u2067"

#: Every character Kring refuses in any text, one of each kind, and what it lets through.
REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"]
ALLOWED = ["\t", "\n", "\r", " ", "\u00a0", "é", "\u200d", "\u200b", RLO, "\u2028", "🙂", "ض"]


@pytest.mark.parametrize("c", REFUSED)
def test_control_characters_are_refused_everywhere(c):
    assert has_control_characters(f"Anna{c}") and has_control_characters(f"Anna{c}", one_line=True)


@pytest.mark.parametrize("c", ALLOWED)
def test_other_characters_pass_in_a_text(c):
    assert not has_control_characters(f"Anna{c}Bob")


@pytest.mark.parametrize("c", ["\n", "\r", "\u2028", "\u2029"])
def test_a_one_line_field_takes_no_line_break(c):
    assert has_control_characters(f"Anna{c}Bob", one_line=True)
    assert not has_control_characters("Anna\tBob", one_line=True)


def test_what_is_shown_again_holds_none_of_them():
    assert without_control_characters("a\x00b\nc\td\x85") == "ab\nc\td"
    assert without_control_characters("a\x00b\r\nc\td\u2028e", one_line=True) == "ab c\td e"


def test_isolates_are_balanced_so_nobody_closes_krings_own():
    assert balanced("plain") == "plain"
    assert balanced(f"a{PDI}{RLO}b") == f"a{RLO}b"  # a stray close would end the isolate around it
    assert balanced(f"{RLI}ab") == f"{RLI}ab{PDI}"  # one left open is closed
    assert balanced(f"{LRI}a{PDI}{PDI}b{FSI}") == f"{LRI}a{PDI}b{FSI}{PDI}"


def test_plain_text_is_isolated_line_by_line():
    assert isolate("") == "" and isolate(None) == ""
    assert isolate("Anna") == f"{FSI}Anna{PDI}"
    assert isolate(f"{RLO}Anna") == f"{FSI}{RLO}Anna{PDI}"
    assert isolate("een\ntwee\r\n\ndrie") == f"{FSI}een{PDI}\n{FSI}twee{PDI}\r\n\n{FSI}drie{PDI}"
    assert isolate(f"x{PDI}y") == f"{FSI}xy{PDI}"


def test_html_is_escaped_and_isolated():
    assert bdi("") == Markup("") and not bdi(None)
    assert bdi('<b onclick="x">&') == Markup("<bdi>&lt;b onclick=&#34;x&#34;&gt;&amp;</bdi>")
    assert bdi(f"{RLO}x{PDI}") == Markup(f"<bdi>{RLO}x</bdi>")
    sentence = say("Welcome, %(name)s. <Kring> 100%%", name="<i>Bob</i>")
    assert sentence == Markup("Welcome, <bdi>&lt;i&gt;Bob&lt;/i&gt;</bdi>. &lt;Kring&gt; 100%")


def test_a_template_isolates_a_name_inside_a_translated_sentence(app):
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{{ _("Welcome, %(name)s.", name=name|bdi) }} <title>{{ name|isolate }}</title>')
        out = template.render(name=f"<script>{RLO}")
    assert out == f"Welkom, <bdi>&lt;script&gt;{RLO}</bdi>. <title>{FSI}&lt;script&gt;{RLO}{PDI}</title>"


# --- Forms and sockets ---------------------------------------------------------------------


@pytest.fixture
def made(app):
    with app.app_context():
        made = samen_vooruit()
        everyone_present(made)
        return made


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(t))
                     for t in (Proposal, Contribution, LogEntry, Meeting))


def test_a_page_form_refuses_a_nul_and_says_so(app, client, made, sign_in, csrf_token):
    sign_in(client, made.member_ids["Aylin"])
    page = client.get(f"/c/{made.circle_id}/proposals/new")
    before = counts(app)
    response = client.post(f"/c/{made.circle_id}/proposals/new", data={
        "csrf_token": csrf_token(page.text), "title": "Bankjes\x00", "text": "Bij de speeltuin."})
    assert response.status_code == 422
    assert "Dit moet één regel zijn, zonder regeleinden of onzichtbare stuurtekens" in response.text
    assert "\x00" not in response.text and 'value="Bankjes"' in response.text  # shown again without it
    assert counts(app) == before
    response = client.post(f"/c/{made.circle_id}/proposals/new", data={
        "csrf_token": csrf_token(page.text), "title": "Bankjes", "text": "Bij de\x1b[31m speeltuin."})
    assert response.status_code == 422
    assert "Hier stond een onzichtbaar stuurteken in" in response.text
    assert "\x1b" not in response.text and ">\r\nBij de[31m speeltuin.</textarea>" in response.text
    assert counts(app) == before


def test_a_socket_refuses_control_characters_with_its_own_code(app, made):
    anna = live_connection(app, made, "Anna")
    ack = anna.emit("start_round", {"kind": "opening", "mode": "open"}, callback=True)
    assert ack["ok"], ack
    before = counts(app)
    for text in ("Goed\x00", "Go\x85ed", "Go\x7fed", "\x1bGoed"):  # (surrounding white space, \x85 too, is cut off)
        ack = anna.emit("contribute", {"answer": "speak", "text": text}, callback=True)
        assert ack == {"ok": False, "error": "control_characters", "message":
                       "Jouw inbreng: Hier stond een onzichtbaar stuurteken in, dat Kring niet kan bewaren; "
                       "er is niets opgeslagen. Kijk de tekst na en stuur hem opnieuw."}, text
    ack = anna.emit("contribute", {"answer": "speak", "text": "Goed", "client_id": "a\nb"}, callback=True)
    assert ack["error"] == "control_characters"
    assert counts(app) == before
    ack = anna.emit("contribute", {"answer": "speak", "text": "Goed\r\n\tGoed"}, callback=True)
    assert ack["ok"], ack  # tab, line feed and carriage return are text


@pytest.mark.parametrize("payload", [{"proposal_id": True}, {"proposal_id": 1.0}, {"proposal_id": "1.0"},
                                     {"proposal_id": [1]}, {"proposal_id": {"id": 1}}, {"proposal_id": 2**31}])
def test_ids_in_a_payload_are_integers_not_booleans(app, made, payload):
    anna = live_connection(app, made, "Anna")
    before = counts(app)
    ack = anna.emit("take_up", payload, callback=True)
    assert not ack["ok"] and ack["error"] == "invalid", ack
    assert counts(app) == before
    assert anna.emit("take_up", {"proposal_id": made.proposal_id}, callback=True)["ok"]


@pytest.mark.parametrize("meeting", [True, False, 1.0, "1", None, [1]])
def test_a_meeting_id_that_is_not_an_integer_is_refused_at_connect(app, sign_in, made, meeting):
    assert made.meeting_id == 1  # so `true` would be taken as this meeting if it were read as a number
    client = app.test_client()
    sign_in(client, made.member_ids["Joost"])
    sock = socketio.test_client(app, flask_test_client=client, auth={"meeting": meeting})
    assert not sock.is_connected()
    assert live_connection(app, made, "Joost").is_connected()
