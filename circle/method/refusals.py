"""What a broken rule says, and how long texts may be.

Every rule of the method either answers or raises `RuleBroken` with a code;
pages and the live protocol show the code's message in the reader's
language (the Dutch is in the catalogue).
"""

from __future__ import annotations

from circle.method.terms import N_

__all__ = ["MESSAGES", "RuleBroken", "require", "TITLE_MAX", "TEXT_MAX", "CONTRIBUTION_MAX", "NAME_MAX",
           "check_text"]

#: Messages for every broken rule, by code. English here; Dutch in the catalogue.
MESSAGES: dict[str, str] = {
    "not_allowed": N_("Your role in this circle does not allow this."),
    "wrong_phase": N_("This cannot be done in the proposal's current phase."),
    "final": N_("This proposal has been decided; it can no longer change."),
    "round_open": N_("Close the current round first."),
    "no_round": N_("There is no open round."),
    "meeting_not_open": N_("The meeting is not open."),
    "meeting_closed": N_("This meeting is closed."),
    "not_on_agenda": N_("This proposal is not on this meeting's agenda."),
    "already_on_agenda": N_("This proposal is already on an agenda."),
    "no_quorum": N_("Not enough members are present: no consent round without quorum."),
    "nobody_present": N_("Nobody is marked present; take attendance first."),
    "not_seated": N_("This person is not in this round."),
    "already_seated": N_("This person is already in this round."),
    "not_present": N_("Only members who are present can join a round."),
    "not_your_turn": N_("It is not this person's turn yet."),
    "already_answered": N_("This person has already answered in this round."),
    "no_pass": N_("No pass in a consent round: everyone answers consent or objection."),
    "consent_only": N_("In a consent round the answer is consent or objection."),
    "no_consent_here": N_("Consent and objections belong in a consent round."),
    "reason_required": N_("An objection needs a reason: what does this harm in our aim?"),
    "text_required": N_("Please write something, or pass."),
    "round_incomplete": N_("Not everyone has answered yet."),
    "reveal_needs_open": N_("A simultaneous reveal needs an open round."),
    "objections_stand": N_("Objections still stand: amend the proposal, postpone or withdraw it."),
    "no_consent_yet": N_("This version has not had a complete consent round without objection."),
    "objection_ended": N_("This objection has already ended."),
    "already_tested": N_("This objection is already marked as tested."),
    "not_your_objection": N_("Only its maker can withdraw an objection."),
    "not_proposer": N_("Only the proposer can withdraw a proposal."),
    "in_meeting": N_("This proposal is being discussed in a meeting now: the meeting steers it."),
    "deadline_passed": N_("The deadline of this round has passed; this answer was not stored."),
    "deadline_out_of_range": N_("Choose a deadline after now, at most 60 days ahead."),
    "guest_link_early": N_("This guest link works on the day of the meeting. Open it again then."),
    "guest_link_over": N_("This guest link no longer works: the meeting's day is over."),
    "guests_full": N_("This meeting has taken as many guests as it can by its link. Ask the facilitator."),
    "guest_before": N_("You were in this circle before under this sign-in, so Kring cannot add you as a "
                       "guest. Sign out on this phone, then open the guest link again."),
    "stale": N_("Someone else acted first; here is the current state."),
    "not_found": N_("This does not exist, or is not part of your circle."),
    "signed_out": N_("You are no longer signed in here. Sign in again with your personal link."),
    "elsewhere_too": N_("This person also belongs to another circle, where you do not hand out links, and "
                        "their link opens that circle too. An administrator can give them a new link."),
    "invalid": N_("Please check what you entered."),
    "name_taken": N_("Someone in this circle already has that name."),
    "already_left": N_("This person has already left the circle."),
    "not_a_member_then": N_("This person was not a member of the circle on the meeting's day."),
    "left_before_joined": N_("Someone cannot leave before the day they joined."),
    "unknown_event": N_("Kring does not know this request."),
    "too_fast": N_("You are sending faster than Kring takes in. Wait a moment and try again."),
    "client_id_reused": N_("This answer came with the id of an earlier, different answer; it was not "
                           "stored. Send it with a new id."),
    "server_error": N_("Something went wrong on the server; nothing was changed. Please try again."),
    "already_put_forward": N_("This proposal is already put forward for the next meeting."),
    "not_your_proposal": N_("Only its proposer puts a proposal forward (or the facilitator or secretary for them)."),
    "not_a_topic": N_("This is a proposal already, not a topic."),
    "topic_not_decided": N_("A topic is talked about, not decided. Write it out as a proposal first."),
    "item_discussed": N_("The meeting has already discussed this item, so it stays on the agenda. Postpone "
                         "it instead."),
    "not_adopted": N_("Only an adopted decision gets tasks."),
    "not_a_member_now": N_("A task goes to someone who is a member of the circle now."),
    "due_in_past": N_("Choose a day that has not passed yet."),
    "not_your_task": N_("Only the person who carries out this task marks how it stands (or the facilitator or "
                        "secretary for them)."),
    "note_required": N_("Say what is in the way, so the circle can help."),
    "ready_check_open": N_("A ready check is open already; end it before asking again."),
    "no_ready_check": N_("There is no ready check open now."),
    "already_steers": N_("This person steers the meeting already."),
    "opening_over": N_("The opening round opens the meeting: it comes before the first proposal."),
    "steerer_connected": N_("Whoever steers the meeting is connected; they can hand the steering over "
                            "themselves."),
    "steerer_away_briefly": N_("Whoever steers has not been away long enough yet for the secretary to take "
                               "over. Wait a little."),
    "term_ends_before": N_("A term ends after the day it begins."),
    "term_too_long": N_("A term runs at most three years; the circle chooses again after that."),
    "role_needs_member": N_("A role goes to a member of the circle that chooses it."),
    "seated_before": N_("This person was in that circle before, or is its guest today, so Kring cannot seat "
                        "them there by itself. Add them there again first."),
    "role_exists": N_("This circle already has a role with that name."),
    "not_an_election": N_("Only an election has nomination rounds and a proposed person."),
    "not_in_election": N_("An election has no picture-forming or opinion round: first the nominations, then "
                          "a consent round on the person the facilitator proposes."),
    "nominations_first": N_("Hold the nomination round first: the facilitator proposes a person after hearing "
                            "every nomination."),
    "no_nominee": N_("The facilitator proposes a person first: the circle consents to someone."),
    "nominee_absent": N_("The proposed person must take part in the consent round (present at the meeting, "
                         "or seated in the circle between meetings): they answer last."),
    "nominee_last": N_("The proposed person answers last, once everyone else has answered."),
    "nominate_here": N_("In this round everyone nominates someone: whom, and why."),
    "nominate_only_in_election": N_("Nominations belong in an election's nomination rounds."),
    "nominee_unknown": N_("Nominate someone who sits in this circle (yourself too)."),
    "nomination_reason_required": N_("Say why you nominate this person."),
    "election_amend": N_("An election changes by proposing a person or a term (Propose this person), not by "
                         "rewording it."),
    "election_no_review": N_("An election is not reviewed: when the term nears its end, the circle holds a new "
                             "election."),
    "not_a_role_here": N_("This circle does not choose who holds this role."),
    "election_running": N_("An election for this role is under way already."),
    "propose_self": N_("Between meetings nobody proposes themselves for a role: someone else who may propose does it, "
                       "or the next meeting."),
}


class RuleBroken(Exception):
    """An action the method does not allow; `code` is a key of MESSAGES."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
        self.message = MESSAGES[code]


def require(condition: bool, code: str) -> None:
    """Raise `RuleBroken(code)` unless the condition holds."""
    if not condition:
        raise RuleBroken(code)


# --- How long texts may be --------------------------------------------------
#: Short enough to read on a phone, long enough for a real proposal.
TITLE_MAX = 200  # a proposal's or meeting's title
TEXT_MAX = 10_000  # a proposal's text or background
CONTRIBUTION_MAX = 2_000  # a contribution, remark, reason or note
NAME_MAX = 80  # a person's name


def check_text(text: str, limit: int, required: bool = False) -> None:
    """Refuse a missing required text, or one longer than its limit."""
    require(len(text) <= limit and (bool(text.strip()) or not required), "invalid")
