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

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from flask_socketio.test_client import SocketIOTestClient
from socketio import packet

from circle.extensions import socketio
from circle.steps import STEPS
from tests.authorization_scenes import Visitor, World, built_world, restore, stored
from tests.authorization_table import (
    B, BC, BM, BP, BT, E400, E403, ELS, EVENTS, HEADERS_MODULE, HIDDEN, HOME, LOG, ME, NF, OK, OUT, Outcome,
    PAGE_FORM_ADDS, PAYLOADS, POSTED, ROUTES, Ref, Row, SHOWN, STEP_ROWS, STORE, UNKNOWN_EVENT,
    URL_IDS, VISITORS, step_route,
)

def rule_key(method: str, rule: str) -> str:
    """`GET /c/<circle_id>/`: a route as the table names it (converters left out)."""
    return method + " " + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", rule)


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


@pytest.fixture(scope="module")
def world(template_database, tmp_path_factory: pytest.TempPathFactory, frozen_clock) -> Iterator[World]:
    with built_world(template_database, tmp_path_factory.mktemp("authorization"), frozen_clock) as built:
        yield built


# --- Running a case ------------------------------------------------------------------------


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
    restore(world.app, world.live, world.scenes[scene])
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
    restore(world.app, world.live, world.scenes[scene])
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
