"""Hostile text: a corpus, a circle made of it through the forms and the sockets, and how a page is checked.

Every entry carries the mark Ⓚ near its start, so what people wrote is found
wherever it lands (also cut short, as the ring cuts names). `build` makes the
circle as people would: the facilitator adds the members and plans the
meetings with the forms of the circle's page, each member writes a proposal
with the form, and in the meeting half the answers come from the page's forms
and half from the live sockets; a correction, an amendment and a guest too.
docs/security.md, "Text from people", says what the checks hold.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from circle.circles import create_circle
from circle.extensions import db, socketio
from circle.models import Contribution, Meeting, Member
from circle.text import balanced
from circle.views.guests import guest_url
from tests.conftest import find_csrf_token, sign_in_with_link
from tests.days import TODAY, days
from tests.samen_vooruit_flow import Phone, refused

MARK = "Ⓚ"
#: What people may write and Kring must show as written, harmless. One a person, a proposal, a meeting.
CORPUS = {
    "script": "Ⓚ1<script>alert(1)</script>",
    "img": "Ⓚ2<img src=x onerror=alert(2)>",
    "attribute": 'Ⓚ3" onmouseover="alert(3)" x="',
    "javascript": "javascript:Ⓚ4alert(4)",
    "rlo": "\u202eⓀ5 draaide om",
    "pdi": "Ⓚ6\u2069\u202e uit de bdi",
    "zero_width": "Ⓚ7\u200d\u200b\u200c\ufeffnul",
    "hyperlink": '=Ⓚ8+HYPERLINK("http://evil.example/","klik")',
    "plus": "+Ⓚ9+1",
    "minus": "-Ⓚ10-1",
    "at": "@Ⓚ11SUM(1)",
    "markdown": "Ⓚ12 # **vet** [link](http://evil.example) | kol |",
    "template": "Ⓚ13 {{ 7*7 }} {% if x %}",
    "entities": "Ⓚ14 &lt;b&gt; &amp; &#60;",
}
#: A guest's name, through the guest link.
GUEST = "Ⓚ15\u202e gast"
#: What Kring refuses, in any text; `huge` is far over every limit.
REFUSED = {"nul": "Ⓚ\x00nul", "escape": "Ⓚ\x1b[31mrood", "c1": "Ⓚ\x85volgende", "delete": "Ⓚ\x7fweg",
           "huge": "Ⓚ" + "x" * 1_000_000}


def lines(entry: str) -> str:
    """A text of several lines: a later line tries a right-to-left override too."""
    return f"{entry}\nregel twee \u202eⓀ omgekeerd"


@dataclass
class Scene:
    """What `build` made: ids, and each person's browser (a test client, signed in)."""

    circle: int
    meeting: int
    other_meetings: list[int]
    adopted: int
    objected: int
    draft: int
    members: dict[str, int]
    browsers: dict[str, object] = field(default_factory=dict)
    contribution: int = 0
    stored: list[str] = field(default_factory=list)


def post(client, page_url: str, url: str, **data) -> object:
    """Post a form as a person does: the page first (for its CSRF token), then the form."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    return client.post(url, data={"csrf_token": find_csrf_token(page.text), **data})


def sock(app, client, meeting: int, view: str | None = None):
    """A live connection of this person's browser to the meeting."""
    auth = {"meeting": meeting, **({"view": view} if view else {})}
    connection = socketio.test_client(app, flask_test_client=client, auth=auth)
    assert connection.is_connected()
    return connection


def build(app) -> Scene:
    """The circle of hostile names, meetings, proposals, answers, objections and corrections."""
    with app.app_context():
        circle, anna = create_circle(CORPUS["pdi"] + " kring", "Anna")  # as `flask create-circle` does
        cid, anna_id = circle.id, anna.id
    browsers = {"Anna": app.test_client()}
    sign_in_with_link(browsers["Anna"], anna_id)
    home = f"/c/{cid}/"
    for key, name in CORPUS.items():
        role = "secretary" if key == "script" else "member"
        assert post(browsers["Anna"], home, f"{home}members", name=name, role=role).status_code == 303, key
    with app.app_context():
        members = {key: db.session.scalar(db.select(Member.id).filter_by(circle_id=cid, name=name))
                   for key, name in CORPUS.items()}
    for title in CORPUS.values():
        assert post(browsers["Anna"], home, f"{home}plan-meeting", title=title, date=TODAY.isoformat()).status_code == 303
    with app.app_context():
        meetings = list(db.session.scalars(db.select(Meeting.id).filter_by(circle_id=cid).order_by(Meeting.id)))
    proposals = {}
    for key, entry in CORPUS.items():
        browsers[key] = client = app.test_client()
        sign_in_with_link(client, members[key])
        new = f"/c/{cid}/proposals/new"
        done = post(client, new, new, title=entry, text=lines(entry), background=entry, success_criteria=entry,
                    carried_out_by=entry, review_date=days(7).isoformat())
        assert done.status_code == 303, (key, done.status_code)
        proposals[key] = int(re.search(r"/proposals/(\d+)/", done.location).group(1))
    adopted, objected, draft = proposals["script"], proposals["rlo"], proposals["markdown"]
    edit = f"/c/{cid}/proposals/{draft}/edit"
    assert post(browsers["markdown"], edit, edit, title=CORPUS["markdown"], text=lines(CORPUS["template"]),
                note=CORPUS["hyperlink"], based_on="1").status_code == 303
    for pid in (adopted, objected):
        page = f"/c/{cid}/proposals/{pid}/"
        assert post(browsers["Anna"], page, page + "agenda", meeting_id=str(meetings[0])).status_code == 303
    scene = Scene(cid, meetings[0], meetings[1:], adopted, objected, draft, members, browsers)
    _meeting(app, scene)
    scene.stored = [*CORPUS.values(), *map(lines, CORPUS.values()), GUEST, CORPUS["pdi"] + " kring"]
    return scene


def _answer(app, scene: Scene, key: str, answer: str, text: str, workable: str = "") -> None:
    """A member answers: every other one through the page's form, the rest through the live socket."""
    data = {"member_id": scene.members[key], "answer": answer, "text": text, "workable": workable}
    if list(CORPUS).index(key) % 2:
        phone = Phone(app, scene.circle, scene.meeting, scene.members[key])
        assert not refused(phone.post("/contribute", **data)), key
    else:
        connection = sock(app, scene.browsers[key], scene.meeting)
        ack = connection.emit("contribute", data, callback=True)
        assert ack["ok"], (key, ack)
        connection.disconnect()


def _round(app, scene: Scene, anna: Phone, kind: str, proposal: int | None, answers) -> None:
    start = {"kind": kind, "mode": "open", **({"proposal_id": proposal} if proposal else {})}
    assert not refused(anna.post("/round/start", **start)), kind
    for key, (answer, text, workable) in answers.items():
        _answer(app, scene, key, answer, text, workable)
    assert not refused(anna.post("/round/close")), kind


def _meeting(app, scene: Scene) -> None:
    """Open the meeting; everyone here; rounds full of corpus; one proposal adopted, one objected to."""
    anna = Phone(app, scene.circle, scene.meeting, _id(app, scene, "Anna"))
    assert not refused(anna.post("/open"))
    for key in CORPUS:
        assert not refused(anna.post("/attendance", member_id=scene.members[key], present="y"))
    _round(app, scene, anna, "opening", None, {k: ("speak", lines(e), "") for k, e in CORPUS.items()})
    for pid in (scene.adopted, scene.objected):
        _round(app, scene, anna, "picture_forming", pid, {k: ("speak", e, "") for k, e in CORPUS.items()})
        _round(app, scene, anna, "opinion_forming", pid, {k: ("pass", "", "") for k in CORPUS})
    _round(app, scene, anna, "consent", scene.adopted, {k: ("consent", e, "") for k, e in CORPUS.items()})
    assert not refused(anna.post("/adopt", proposal_id=scene.adopted))
    objections = {k: ("objection", lines(e), e) if i < 5 else ("consent", e, "") for i, (k, e) in enumerate(CORPUS.items())}
    _round(app, scene, anna, "consent", scene.objected, objections)
    wording = {k: CORPUS["zero_width"] for k in ("title", "background", "success_criteria", "carried_out_by")}
    assert not refused(anna.post("/amend", proposal_id=scene.objected, text=lines(CORPUS["attribute"]),
                                 note=CORPUS["rlo"], **wording))
    with app.app_context():
        scene.contribution = db.session.scalar(db.select(Contribution.id).filter_by(
            member_id=scene.members["img"]).order_by(Contribution.id.desc()))
    fix = f"/c/{scene.circle}/corrections/contribution/{scene.contribution}"
    assert post(scene.browsers["Anna"], fix, fix, text=lines(CORPUS["javascript"]), note=CORPUS["at"]).status_code == 303
    title = f"/c/{scene.circle}/corrections/meeting/{scene.meeting}"
    assert post(scene.browsers["Anna"], title, title, text=CORPUS["minus"], note=CORPUS["plus"]).status_code == 303
    with app.test_request_context():
        link = guest_url(db.session.get(Meeting, scene.meeting), external=False)
    guest = scene.browsers["guest"] = app.test_client()
    assert post(guest, link, link, name=GUEST).status_code == 303


def _id(app, scene: Scene, name: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Member.id).filter_by(circle_id=scene.circle, name=name))


# --- Reading a page --------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Elements that stand as a paragraph of their own, or are drawn apart (a form control, the tab's title).
BLOCK = {"p", "div", "li", "dd", "dt", "blockquote", "h1", "h2", "h3", "h4", "td", "th", "section", "article",
         "pre", "textarea", "option", "title", "summary", "figcaption", "ol", "ul", "dl", "main", "header"}
ISOLATING = {"bdi", "textarea", "option", "title"}
#: Attributes people's text may stand in: a form's value, and what is read out (then isolated as text).
SHOWN_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder"}


class Element:
    def __init__(self, tag: str, attrs: dict, parent: Element | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.at = Element("#root", {}, None)
        self.elements: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.at)
        self.at.children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self.at = element

    def handle_endtag(self, tag):
        at = self.at
        while at is not None and at.tag != tag:
            at = at.parent
        if at is not None and at.parent is not None:
            self.at = at.parent

    def handle_data(self, data):
        self.at.children.append(data)


def plainly_isolated(text: str) -> bool:
    """Every mark in `text` stands between U+2066–U+2068 and U+2069, and the isolates balance."""
    if balanced(text) != text:
        return False
    depth = 0
    for c in text:
        depth += c in "\u2066\u2067\u2068"
        depth -= c == "\u2069"
        if c == MARK and depth == 0:
            return False
    return True


def _person_only(text: str, stored: list[str]) -> bool:
    """`text` is (a piece of) one person's text: nothing of Kring's own beside it.

    Compared without white space runs and isolate characters (a stray one is left out when shown).
    """
    def plain(t: str) -> str:
        return " ".join(re.sub("[\u2066-\u2069]", "", t).split())

    text = plain(text).strip("…").strip()
    return any(text in plain(s) for s in stored)


def check_html(html: str, stored: list[str]) -> list[str]:
    """What is wrong in a page (or a part of one): markup from people, or their text not isolated."""
    tree = _Tree()
    tree.feed(html)
    tree.close()
    problems = []
    for entry in stored:
        if ("<" in entry or '"' in entry) and entry in html:
            problems.append(f"unescaped: {entry[:40]!r}")
    for el in tree.elements:
        if el.tag == "script":
            if el.attrs.get("type") == "application/json":
                json.loads(el.text())
            elif not el.attrs.get("src", "").startswith("/static/") or el.text().strip():
                problems.append(f"a script that is not Kring's: {el.attrs}")
        for name, value in el.attrs.items():
            value = value or ""
            if name.startswith("on") or name == "style":
                problems.append(f"<{el.tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript"):
                problems.append(f"<{el.tag} {name}={value[:30]!r}>")
            if MARK in value and name in SHOWN_ATTRIBUTES and not plainly_isolated(value):
                problems.append(f"<{el.tag} {name}> not isolated: {value[:40]!r}")
            if MARK in value and name == "value" and el.attrs.get("type") != "hidden" and "dir" not in el.attrs:
                problems.append(f"<{el.tag} value> without dir: {value[:40]!r}")
        for child in el.children:
            if isinstance(child, str) and MARK in child and not _text_isolated(child, el, stored):
                problems.append(f"in <{el.tag}>: {child.strip()[:50]!r}")
    return problems


def _text_isolated(text: str, parent: Element, stored: list[str]) -> bool:
    if parent.tag == "script" or plainly_isolated(text):
        return True
    at = parent
    while at is not None and at.tag not in ISOLATING and "dir" not in at.attrs:
        at = at.parent
    if at is None or at.tag == "#root":
        return False
    content = at.text()
    return _person_only(content, stored) and (at.tag in BLOCK or balanced(content) == content)
