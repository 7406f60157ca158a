"""The peer session's lifecycle as a pure state machine: statuses, phases, roles and who may move them.

Only Cloud Functions apply these transitions (clients can't write status, phase, roles or timestamps);
each function loads the session, asks this module what the caller's action does, and commits the result
in a transaction. Every action is idempotent: repeating it (a double click, a retried call, a task
delivered twice) changes nothing the second time.

Statuses: matched → starting (first participant in the room) → active (both in; phases run) → ending
(feedback) → completed; or cancelled (nobody started: no-show or called off before it began).
Phases while active/ending: introduction → interview (first half) → role_switch → interview (second half)
→ feedback → wrap_up. Roles swap when role_switch begins.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from salamin.errors import DomainError

STATUSES = ("matched", "starting", "active", "ending", "completed", "cancelled")
PHASES = ("introduction", "interview", "role_switch", "interview", "feedback", "wrap_up")
# Minutes for a 60-minute session: two 24-minute halves, a short start, switch, feedback and close.
PHASE_MINUTES = (3, 24, 2, 24, 5, 2)
INTERVIEW_PHASES = (1, 3)
ROLE_SWITCH_INDEX = 2
FEEDBACK_INDEX = 4
LAST_INDEX = len(PHASES) - 1
NO_SHOW_MINUTES = 5
NUDGE_BEFORE_S = 120  # a gentle "2 minutes left" before a phase's time is up
HARD_STOP_GRACE_MINUTES = 10
FEEDBACK_WINDOW_S = 48 * 3600  # feedback about you shows once both have written it, or this long after the end

ALLOWED: dict[str, frozenset[str]] = {
    "matched": frozenset({"starting", "cancelled"}),
    "starting": frozenset({"active", "cancelled"}),
    "active": frozenset({"ending"}),
    "ending": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}

Role = Literal["interviewer", "interviewee"]


def check_transition(current: str, target: str) -> None:
    if target not in ALLOWED.get(current, frozenset()):
        raise DomainError("failed-precondition", f"A session that is {current} cannot become {target}.")


@dataclass(frozen=True)
class State:
    participants: tuple[str, str]
    status: str
    roles: dict[str, str]  # current roles
    joined: frozenset[str] = frozenset()
    phase_index: int | None = None
    phase_started_at: float | None = None
    pending_advance: tuple[str, int] | None = None  # (proposer, from phase index)
    started_at: float | None = None
    ended_at: float | None = None
    end_reason: str | None = None
    left_early: str | None = None
    # Interview halves that began (0-2): a session that ends early asks feedback only about those.
    played_halves: int = 0
    events: tuple[str, ...] = field(default=(), compare=False)  # what happened, for side effects

    def partner(self, uid: str) -> str:
        a, b = self.participants
        return b if uid == a else a

    @property
    def half(self) -> int:
        return 2 if self.phase_index is not None and self.phase_index >= ROLE_SWITCH_INDEX else 1

    def interviewer(self) -> str:
        return next(u for u, r in self.roles.items() if r == "interviewer")

    def phase_name(self) -> str | None:
        return None if self.phase_index is None else PHASES[self.phase_index]

    def feedback_deadline(self) -> float | None:
        """Set with the completion itself (one write), so a session can't end with feedback open forever."""
        if self.status != "completed" or self.ended_at is None:
            return None
        return self.ended_at + FEEDBACK_WINDOW_S

    def phase_ends_at(self) -> float | None:
        if self.phase_index is None or self.phase_started_at is None:
            return None
        return self.phase_started_at + PHASE_MINUTES[self.phase_index] * 60


def _require_participant(state: State, uid: str) -> None:
    if uid not in state.participants:
        raise DomainError("permission-denied", "Only the two participants can do that.")


def _emit(state: State, *events: str) -> State:
    return replace(state, events=state.events + events)


def join(state: State, uid: str, now: float) -> State:
    """A participant enters the room. The first makes it `starting`, the second starts the interview."""
    _require_participant(state, uid)
    if state.status in ("completed", "cancelled"):
        raise DomainError("failed-precondition",
                              f"This session has {'been cancelled' if state.status == 'cancelled' else 'ended'}.")
    if uid in state.joined:
        return state  # rejoining (reload, second tab) changes nothing
    s = replace(state, joined=state.joined | {uid})
    s = _emit(s, f"joined:{uid}")
    if s.status == "matched":
        check_transition(s.status, "starting")
        s = replace(s, status="starting")
    if s.status == "starting" and set(s.joined) == set(s.participants):
        check_transition(s.status, "active")
        s = replace(s, status="active", phase_index=0, phase_started_at=now, started_at=now, pending_advance=None)
        s = _emit(s, "started", "phase:0")
    return s


def _enter_phase(state: State, index: int, now: float) -> State:
    s = replace(state, phase_index=index, phase_started_at=now, pending_advance=None)
    if index in INTERVIEW_PHASES:
        s = replace(s, played_halves=max(s.played_halves, INTERVIEW_PHASES.index(index) + 1))
    s = _emit(s, f"phase:{index}")
    if index == ROLE_SWITCH_INDEX:
        s = replace(s, roles={u: ("interviewee" if r == "interviewer" else "interviewer") for u, r in s.roles.items()})
        s = _emit(s, "roles_swapped")
    if index == FEEDBACK_INDEX and s.status == "active":
        check_transition(s.status, "ending")
        s = replace(s, status="ending")
    return s


def _complete(state: State, now: float, reason: str) -> State:
    check_transition(state.status, "completed")
    return _emit(replace(state, status="completed", ended_at=now, end_reason=state.end_reason or reason,
                         pending_advance=None), "completed")


def advance(state: State, uid: str, from_index: int, now: float) -> tuple[State, str]:
    """A participant asks to move on from phase `from_index`.

    Returns the new state and what happened: 'advanced', 'proposed' (waiting for the partner), or
    'already' (the phase had moved on: a repeated or late request). During an interview only the current
    interviewer moves on alone, so nobody can skip the partner's half; other phases need both.
    """
    _require_participant(state, uid)
    if state.status not in ("active", "ending") or state.phase_index is None:
        if state.status == "completed" and from_index >= LAST_INDEX:
            return state, "already"
        raise DomainError("failed-precondition", "The interview hasn't started yet.")
    if from_index != state.phase_index:
        if from_index < state.phase_index:
            return state, "already"
        raise DomainError("invalid-argument", "That phase hasn't started yet.")
    index = state.phase_index
    alone = index in INTERVIEW_PHASES and uid == state.interviewer()
    agreed = state.pending_advance is not None and state.pending_advance == (state.partner(uid), index)
    if not (alone or agreed):
        if state.pending_advance == (uid, index):
            return state, "proposed"  # asked twice: still waiting for the partner
        return _emit(replace(state, pending_advance=(uid, index)), f"proposed:{uid}"), "proposed"
    if index == LAST_INDEX:
        return _complete(state, now, "finished"), "advanced"
    return _enter_phase(state, index + 1, now), "advanced"


def time_up(state: State, from_index: int, now: float) -> tuple[State, str]:
    """A phase's time limit (a task): move on if the phase is still `from_index`; else nothing."""
    if state.status not in ("active", "ending") or state.phase_index != from_index:
        return state, "already"
    if from_index == LAST_INDEX:
        return _complete(state, now, "finished"), "advanced"
    return _enter_phase(state, from_index + 1, now), "advanced"


def played_halves_of(phase_index: object, stored: object) -> int:
    """The halves a session played: the stored count, or for a session written before it was kept, the
    interview phases its phase index has passed (an early end there counted as complete)."""
    if isinstance(stored, int) and not isinstance(stored, bool) and 0 <= stored <= 2:
        return stored
    if not isinstance(phase_index, int) or isinstance(phase_index, bool):
        return 0
    return sum(1 for i in INTERVIEW_PHASES if phase_index >= i)


def leave_early(state: State, uid: str, now: float) -> State:
    """A participant ends the session before its time: the partner is told, both can still give feedback."""
    _require_participant(state, uid)
    if state.status in ("completed", "cancelled", "ending"):
        return state
    if state.status in ("matched", "starting"):
        check_transition(state.status, "cancelled")
        return _emit(replace(state, status="cancelled", ended_at=now, end_reason="called_off",
                             left_early=uid), f"late_cancel:{uid}", "cancelled")
    s = replace(state, left_early=uid, end_reason="left_early")
    s = _enter_phase(s, FEEDBACK_INDEX, now)
    return _emit(s, f"left_early:{uid}")


def no_show(state: State, now: float) -> State:
    """The no-show timer: if someone has still not joined, the session is cancelled."""
    if state.status not in ("matched", "starting"):
        return state
    absent = [u for u in state.participants if u not in state.joined]
    if not absent:
        return state
    check_transition(state.status, "cancelled")
    s = replace(state, status="cancelled", ended_at=now, end_reason="no_show")
    return _emit(s, *[f"no_show:{u}" for u in absent], "cancelled")


def hard_stop(state: State, now: float) -> State:
    """The session's absolute end: whatever phase it is in, it completes (feedback can still come)."""
    if state.status == "active":
        state = _enter_phase(state, FEEDBACK_INDEX, now)
    if state.status == "ending":
        return _complete(state, now, "time_limit")
    if state.status in ("matched", "starting"):
        return no_show(state, now)
    return state
