"""The circle method (kringmethode) as Kring runs it: plain rules, no Flask, no database.

A proposal moves through phases; the facilitator moves it on by starting
rounds, amending, and deciding. Every rule of the method lives in this
package as a function that either answers (the next phase, the next speaker,
the steps someone may take) or raises `RuleBroken` with a code the pages and
the live protocol can show. The application layer gathers the facts from the
database (circle/facts.py), asks these rules, and writes what they allow.

Read it in this order:

- terms.py: the words: roles, phases, rounds, answers, actions;
- refusals.py: what a broken rule says, how long texts may be;
- permissions.py: which role may take which action;
- membership.py: who is a member on a day, who was expected at a meeting, quorum;
- proposal.py: how a proposal moves through its phases;
- election.py: an election of a person for a role and a term: its own rounds and steps;
- rounds.py: who speaks when, which answers fit, when answers may be seen, objections;
- meeting.py: the meeting's own states, and who says who is there;
- guests.py: when a meeting's guest link lets someone in, and for how long;
- steps.py: which steps a person may take now, from all of the above;
- agenda.py: between meetings, what members put forward (topics, drafts) and how the agenda is shaped;
- tasks.py: the tasks a decision carries, and who marks how they stand;
- between.py: rounds between meetings, with a deadline, and what their end means;
- roles.py: roles held for a term, which circle chooses them, and when a term nears its end;
- facilitation.py: speaking time, the ready check, and who steers a meeting.

Everything is importable from `circle.method` itself.
"""

from circle.method.agenda import *  # noqa: F403
from circle.method.between import *  # noqa: F403
from circle.method.election import *  # noqa: F403
from circle.method.facilitation import *  # noqa: F403
from circle.method.guests import *  # noqa: F403
from circle.method.membership import *  # noqa: F403
from circle.method.meeting import *  # noqa: F403
from circle.method.permissions import *  # noqa: F403
from circle.method.proposal import *  # noqa: F403
from circle.method.refusals import *  # noqa: F403
from circle.method.roles import *  # noqa: F403
from circle.method.rounds import *  # noqa: F403
from circle.method.steps import *  # noqa: F403
from circle.method.tasks import *  # noqa: F403
from circle.method.terms import *  # noqa: F403
