"""The demo's round between meetings: Samira's garden proposal in its consent round by phone, answers coming in.

Written on the days it happened (clock.played_at), so the circle's log runs
forward in time: the picture-forming and opinion rounds between meetings this
past week, everyone answering over a few days; the consent round opened
yesterday evening and runs until three days from now at eight in the
evening, half answered, with one concern. Whoever signs in to the demo as a member who has
not answered finds it on the circle's page (docs/between-meetings.md).
"""

from __future__ import annotations

import datetime as dt

from circle import clock
from circle.between import contribute_between, start_round_between
from circle.method import Answer, RoundKind
from circle.models import Circle
from circle.proposals import Wording, write_draft

GARDEN = Wording(
    title="Een buurtmoestuin op het braakliggende veld",
    text=("We vragen de gemeente het braakliggende veld aan de Balistraat te gebruiken als moestuin. "
          "Wie mee wil doen, krijgt een bak; de opbrengst delen we op de buurtmarkt."),
    background="Het veld ligt er al twee jaar ongebruikt bij. Veel bewoners hebben geen tuin.",
    success_criteria="Na een jaar doen er twintig huishoudens mee.",
    carried_out_by="Samira en Dewi",
)

#: What each says in the picture-forming and opinion rounds, and (None: not yet) in the consent round.
SAID = {
    "Anna": ("Wie betaalt de bakken?", "Goed plan, als de gemeente meedoet.", (Answer.CONSENT, "")),
    "Fatima": ("Mag je er ook bloemen kweken?", "Ik doe graag mee.", (Answer.CONSENT, "")),
    "Joost": ("Hoe komt er water?", "Zonder water wordt het niets.", None),
    "Aylin": ("Hoe groot wordt elke bak?", "Fijn voor de kinderen uit de straat.",
              (Answer.CONSENT, "Laten we de school erbij vragen.")),
    "Kees": ("Wat als de gemeente het veld terug wil?", "Ik twijfel nog.", None),
    "Samira": ("Ik kan de aanvraag bij de gemeente doen.", "Ik ben er al mee bezig.", (Answer.CONSENT, "")),
    "Dewi": ("Wie houdt bij wie welke bak heeft?", "Ik help met de lijst.", None),
    "Mohamed": ("Komt er een hek omheen?", "Mooi voor de buurt.", None),
}


def hold(circle: Circle, today: dt.date) -> int:
    """Samira's proposal and its rounds between meetings, up to a consent round open now; its id."""
    people = {m.name: m for m in circle.members}
    anna = people["Anna"]

    def on(days_ago: int, hour: int, minute: int = 0):
        return clock.played_at(clock.at_local(today - dt.timedelta(days=days_ago), hour, minute))

    # After last month's history (its latest entry is a week ago, demo_last_month.py), in time order.
    with on(7, 20):
        proposal = write_draft(people["Samira"], GARDEN).subject
    for kind, opened, hour, part in ((RoundKind.PICTURE_FORMING, 6, 19, 0), (RoundKind.OPINION_FORMING, 3, 21, 1)):
        with on(opened, hour):
            rnd = start_round_between(anna, proposal, kind, clock.at_local(today - dt.timedelta(days=opened - 3), 20))
        for i, (name, said) in enumerate(SAID.items()):
            member = people[name]
            with on(opened - 1 - i // 4, 9 + i):
                contribute_between(member, rnd.subject, member.id, Answer.SPEAK, said[part])
    with on(1, 19):
        consent = start_round_between(anna, proposal, RoundKind.CONSENT, clock.at_local(today + dt.timedelta(days=3), 20))
    for i, (name, said) in enumerate((n, s) for n, s in SAID.items() if s[2] is not None):
        member = people[name]
        with on(1, 20 + i // 2, 30 * (i % 2)):
            contribute_between(member, consent.subject, member.id, *said[2])
    return proposal
