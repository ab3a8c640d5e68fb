"""Every screen a member sees reads in plain language (B1), in Dutch and in English.

The rules and the word lists are explained in docs/plain-language.md. The demo circle
(circle/demo.py) is signed in as Joost, a member, and its meeting is played through
every state a member's phone shows; each screen is read the way a person without
JavaScript sees it (tests/pages.py), without what people wrote themselves (names,
proposals, answers: `<bdi>` and `dir="auto"`) and without other languages (the
language menu). Then, for Dutch and English:

- every sentence has at most MAX_WORDS words;
- no word of the screen's list of words a member should not meet (English words on
  a Dutch screen, the facilitator's own steps, the machine's words);
- no method word shows before the screen explains it (templates/_explain.html
  marks each explanation with `data-explains`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from circle import demo as demo_circle
from circle import elections, facilitation, meetings, proposals, roles, rounds
from circle.auth import sign_in_url
from circle.extensions import db
from circle.method import Answer, RoleKind, RoundKind, RoundMode
from circle.models import Meeting, Member, Objection, Proposal, ProposalVersion
from tests.conftest import app_on_copy, find_csrf_token
from tests.pages import shown

#: The longest sentence a member reads (docs/plain-language.md, "Short sentences").
MAX_WORDS = 20
LANGS = ("nl", "en")

#: Words a member must not meet, per screen language (docs/plain-language.md, "The check").
#: Whole words, case-insensitive.
NOT_FOR_MEMBERS = {
    "nl": [
        # English words on a Dutch screen
        "consent", "round", "meeting", "proposal", "objection", "facilitator", "steer", "skip", "error",
        "client", "socket", "based_on", "pass", "speak",
        # hard words: the method's jargon and officials' words
        "quorum", "consentronde", "meningsvormende", "integreren", "agenderen", "evaluatiedatum",
        # the facilitator's own steps
        "nu bespreken", "overslaan", "uitstellen", "ronde sluiten", "ronde starten", "besluit nemen", "indiener",
        "markeer als getoetst", "leiding overdragen", "spreektijd instellen",
    ],
    "en": [
        "based_on", "client", "socket", "error", "quorum",
        # the facilitator's own steps
        "take up", "take this up", "explanation round", "postpone", "close round", "start round", "adopt", "skip",
        "steer", "mark tested", "hand over",
    ],
}

#: The method's words, and how each shows in a sentence (regular expressions, case-insensitive),
#: keyed as templates/_explain.html names them.
METHOD_WORDS = {
    "nl": {
        "consent": r"\binstem\w*|\bstem(t|den)? in\b",
        "objection": r"\bbezwa(ar|ren)\b",
        "picture_forming": r"\bbeeldvormend\w*",
        "opinion_forming": r"\boordeelvormend\w*",
        "consent_round": r"\binstemmingsronde\b",
        "round": r"\bronde\b",
        "pass": r"\bik pas\b|\bpassen\b|\bgepast\b",
    },
    "en": {
        "consent": r"\bconsent(s|ed)?\b",
        "objection": r"\bobjections?\b",
        "picture_forming": r"\bpicture-forming\b",
        "opinion_forming": r"\bopinion round\b",
        "consent_round": r"\bconsent round\b",
        "round": r"\bround\b",
        "pass": r"\bpass(ed)?\b",
    },
}

#: Elements whose text a member did not get from Kring, or does not read as text.
SKIPPED = {"head", "script", "style", "svg", "textarea", "select", "bdi", "time", "template"}
#: Elements that end a line of text: a sentence never runs over them.
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "dt", "dd", "summary", "button", "label", "div", "section",
          "figcaption", "td", "th", "br", "ol", "ul", "form", "details", "header", "article", "figure",
          "aside", "blockquote", "nav", "main", "table", "tr"}
#: The link to the help page names a round to explain it: it is no use of the word.
HELP = "/help/rounds"


class _Text(HTMLParser):
    """The text of a page as a member reads it, one line per element, with ⟦word …⟧ where an explanation starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []  # the open elements being skipped

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skipping:
            if tag == self.skipping[-1] or tag in SKIPPED:
                self.skipping.append(tag)
            return
        if tag in SKIPPED or attrs.get("dir") == "auto" or ("lang" in attrs and tag != "html") or attrs.get("href", "").endswith(HELP):
            if tag not in ("br", "img", "input"):
                self.skipping.append(tag)
            return
        if "data-explains" in attrs:
            self.out.append(f"\n⟦{attrs['data-explains']}⟧\n")
        if tag == "img" and attrs.get("alt"):
            self.out.append(f"\n{attrs['alt']}\n")
        if tag in BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)


def member_text(page: str) -> str:
    """What Kring itself says on a page a member sees (their own and others' words left out)."""
    parser = _Text()
    parser.feed(shown(page))
    parser.close()
    text = html.unescape("".join(parser.out))
    return "\n".join(line for line in (" ".join(line.split()) for line in text.splitlines()) if line)


def sentences(text: str) -> Iterator[str]:
    """Each sentence of the text: lines, split after . ! ? or :."""
    for line in text.splitlines():
        if line.startswith("⟦"):
            continue
        for sentence in re.split(r"(?<=[.!?:])\s+", line):
            if re.search(r"\w", sentence):
                yield sentence


def words(sentence: str) -> list[str]:
    return re.findall(r"[^\W\d_][\w'’-]*|\d+", sentence)


# --- the screens -----------------------------------------------------------------------------------


class Screens:
    """Every member screen, in Dutch and English, read at each state of the demo meeting."""

    def __init__(self, app) -> None:
        self.app = app
        self.read: dict[tuple[str, str], str] = {}  # (screen, lang) -> its member text
        self.clients = {}

    def client(self, lang: str, who: str | None = "Joost"):
        key = (lang, who)
        if key not in self.clients:
            client = self.app.test_client()
            with client.session_transaction() as session:
                session["lang"] = lang
            if who:
                with self.app.app_context():
                    member = db.session.scalar(sa.select(Member).filter_by(name=who, circle_id=self.circle))
                    url = sign_in_url(member, external=False)
                page = client.get(url)
                assert client.post(url, data={"csrf_token": find_csrf_token(page.text)}).status_code == 303
            self.clients[key] = client
        return self.clients[key]

    def take(self, screen: str, path: str, who: str | None = "Joost", status: int = 200) -> None:
        for lang in LANGS:
            response = self.client(lang, who).get(path)
            assert response.status_code == status, (screen, path, response.status_code)
            self.read[(screen, lang)] = member_text(response.text)


@pytest.fixture(scope="module")
def screens(template_database, tmp_path_factory) -> Iterator[Screens]:
    """The demo, and the member's screens read while its meeting runs from planned to closed."""
    for app in app_on_copy(template_database, tmp_path_factory.mktemp("plain")):
        with app.app_context():
            circle = demo_circle.seed()
            cid = circle.id
            people = {m.name: m.id for m in db.session.scalars(sa.select(Member).filter_by(circle_id=cid))}
            titles = dict(db.session.execute(sa.select(ProposalVersion.title, Proposal.id).join(Proposal)
                                             .where(Proposal.circle_id == cid)).all())
            mid = db.session.scalar(sa.select(Meeting.id).filter_by(circle_id=cid, title="Kernteam-overleg"))
            token_url = sign_in_url(db.session.get(Member, people["Joost"]), external=False)
        found = Screens(app)
        found.circle = cid
        proposal = {start: next(p for t, p in titles.items() if t.startswith(start))
                    for start in ("Afvalcontainers", "Een buurtmoestuin", "Opruimochtend")}
        base = f"/c/{cid}/meetings/{mid}"

        def act(fn, *args, who="Anna", **kw):
            with app.app_context():
                fn(db.session.get(Member, people[who]), mid, *args, **kw)

        def answer(name, kind, text="", **kw):
            act(rounds.contribute, people[name], kind, text, who=name, **kw)

        found.take("sign in", "/sign-in", who=None)
        found.take("a sign-in link", token_url, who=None)
        found.take("a bad sign-in link", "/s/not-a-link", who=None, status=400)
        found.take("how a round works", "/help/rounds", who=None)
        found.take("circle home", f"/c/{cid}/")
        found.take("proposal, consent between meetings", f"/c/{cid}/proposals/{proposal['Een buurtmoestuin']}/")
        found.take("proposal on the agenda", f"/c/{cid}/proposals/{proposal['Afvalcontainers']}/")
        found.take("decision page", f"/c/{cid}/decisions/{proposal['Opruimochtend']}/")
        found.take("notices", "/you/notices")
        found.take("meeting, planned", base + "/")
        found.take("join, planned", base + "/join")
        act(meetings.open_meeting)
        found.take("join, open", base + "/join")
        found.take("meeting, open, not marked", base + "/")
        for name in people:
            act(meetings.mark_attendance, people[name], True)
        found.take("join, present", base + "/join")
        green = proposal["Afvalcontainers"]
        act(meetings.take_up, green)
        act(meetings.start_explanation, green)
        found.take("meeting, the proposer explains", base + "/")
        act(rounds.start_round, RoundKind.PICTURE_FORMING, RoundMode.IN_TURN, proposal_id=green,
            starter_id=people["Joost"])
        found.take("meeting, picture-forming, my turn", base + "/")
        answer("Joost", Answer.SPEAK, "Hoeveel bakken?")
        found.take("meeting, picture-forming, someone else's turn", base + "/")
        act(rounds.close_round)
        act(rounds.start_round, RoundKind.OPINION_FORMING, RoundMode.OPEN, proposal_id=green)
        found.take("meeting, opinion round, open", base + "/")
        answer("Joost", Answer.PASS)
        found.take("meeting, opinion round, answered", base + "/")
        act(rounds.close_round)
        act(facilitation.ask_ready)
        found.take("meeting, a ready check", base + "/")
        act(facilitation.ask_ready, open_it=False)
        act(rounds.start_round, RoundKind.CONSENT, RoundMode.OPEN, proposal_id=green)
        found.take("meeting, consent round", base + "/")
        answer("Joost", Answer.OBJECTION, "Wie geeft water?", workable="Een rooster.")
        for name in people:
            if name != "Joost":
                answer(name, Answer.CONSENT)
        act(rounds.close_round)
        found.take("meeting, an objection standing", base + "/")
        with app.app_context():
            objection = db.session.scalar(sa.select(Objection.id).filter_by(proposal_id=green))
        act(proposals.withdraw_objection, objection, who="Joost")
        act(proposals.adopt, green)
        found.take("meeting, decision made", base + "/")
        found.take("decision page, this meeting's", f"/c/{cid}/decisions/{green}/")
        with app.app_context():  # the facilitator's role is up for election: on today's agenda
            anna = db.session.get(Member, people["Anna"])
            role = roles.method_role(anna.circle, RoleKind.FACILITATOR)
            election = elections.write_election(anna, role.id, *elections.default_term(role)).subject
            proposals.put_on_agenda(anna, election, mid)
        act(meetings.take_up, election)
        act(rounds.start_round, RoundKind.NOMINATION, RoundMode.OPEN, proposal_id=election)
        found.take("meeting, election, nomination round", base + "/")
        for name in people:
            answer(name, Answer.NOMINATE, f"{name} kiest Fatima.", nominee_id=people["Fatima"])
        found.take("meeting, election, nominations revealed", base + "/")
        act(rounds.close_round)
        act(elections.propose_person, election, people["Fatima"])
        act(rounds.start_round, RoundKind.CONSENT, RoundMode.OPEN, proposal_id=election)
        found.take("meeting, election, consent round on a person", base + "/")
        for name in [*(n for n in people if n != "Fatima"), "Fatima"]:  # the person proposed answers last
            answer(name, Answer.CONSENT)
        act(rounds.close_round)
        act(proposals.adopt, election)
        found.take("meeting, election, chosen", base + "/")
        for title, outcome in (("Een bank bij de speeltuin", "postponed"), ("Een kerstboom op het plein", "withdrawn")):
            with app.app_context():
                later = proposals.write_draft(db.session.get(Member, people["Kees"]),
                                              proposals.Wording(title=title, text="Wat we willen.")).subject
                proposals.put_on_agenda(db.session.get(Member, people["Anna"]), later, mid)
            act(meetings.take_up, later)
            if outcome == "postponed":
                act(proposals.postpone, later)
            else:  # by its proposer
                with app.app_context():
                    proposals.withdraw(db.session.get(Member, people["Kees"]), later, mid)
            found.take(f"meeting, {outcome}", base + "/")
        act(meetings.close_meeting)
        found.take("meeting, closed", base + "/")
        found.take("join, closed", base + "/join")
        yield found


def offenders(screens: Screens, check) -> list[str]:
    return [f"{screen} ({lang}): {problem}" for (screen, lang), text in screens.read.items()
            for problem in check(text, lang)]


def test_every_sentence_a_member_reads_is_short(screens):
    def long(text, lang):
        for sentence in sentences(text):
            if len(words(sentence)) > MAX_WORDS:
                yield f"{len(words(sentence))} words: {sentence}"
    found = sorted(set(offenders(screens, long)))
    assert not found, f"sentences over {MAX_WORDS} words:\n" + "\n".join(found)


def test_no_member_screen_uses_words_a_member_should_not_meet(screens):
    def jargon(text, lang):
        plain = "\n".join(line for line in text.splitlines() if not line.startswith("⟦"))
        for word in NOT_FOR_MEMBERS[lang]:
            for match in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", plain, re.I):
                line = plain[plain.rfind("\n", 0, match.start()) + 1:].split("\n")[0]
                yield f"{word!r} in: {line}"
    found = sorted(set(offenders(screens, jargon)))
    assert not found, "words a member should not meet:\n" + "\n".join(found)


def test_no_method_word_shows_before_it_is_explained(screens):
    def unexplained(text, lang):
        for word, pattern in METHOD_WORDS[lang].items():
            used = re.search(pattern, text, re.I)
            if used is None:
                continue
            explained = re.search(rf"⟦[^⟧]*\b{word}\b[^⟧]*⟧", text)
            if explained is None or explained.start() > used.start():
                line = text[text.rfind("\n", 0, used.start()) + 1:].split("\n")[0]
                yield f"{word} before its explanation, in: {line}"
    found = sorted(set(offenders(screens, unexplained)))
    assert not found, "method words not explained first:\n" + "\n".join(found)


def test_the_reading_leaves_out_what_people_wrote_and_other_languages():
    page = ('<html lang="nl"><head><title>x</title></head><body><p>Kring zegt dit.</p><p dir="auto">Wat Joost schreef.</p>'
            '<p><bdi>Joost</bdi> spreekt.</p><button lang="en">English</button>'
            '<details class="explain" data-explains="consent"><summary>Wat?</summary></details></body></html>')
    assert member_text(page).splitlines() == ["Kring zegt dit.", "spreekt.", "⟦consent⟧", "Wat?"]
