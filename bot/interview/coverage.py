"""Budgets and coverage: what the next move may be, and how a proposed move is enforced.

The interviewer proposes; this module disposes. It keeps per-topic state, the follow-up and question
budgets, and puts must topics first when the budget runs short.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.interview.conversation import Progress
from bot.interview.moves import Guidance, Move, MoveKind, TopicState
from bot.studies.study import Study, Topic

PRIORITY_ORDER = {"must": 0, "should": 1, "could": 2}
MAX_ACTIVE_GAP = timedelta(minutes=4)  # a longer silence between question and answer counts as a break


def ordered_topics(study: Study) -> list[Topic]:
    """Topics in the order they are asked: must, then should, then could; file order within a priority."""
    return sorted(study.plan.topics, key=lambda t: PRIORITY_ORDER[t.priority])


def topic_states(study: Study, progress: Progress) -> tuple[TopicState, ...]:
    out = []
    for t in study.plan.topics:
        raw = progress.topics.get(t.id, {})
        out.append(
            TopicState(t.id, bool(raw.get("asked")), bool(raw.get("covered")), int(raw.get("followups", 0)))
        )
    return tuple(out)


def active_minutes(turn_times: list[tuple[str, datetime]]) -> float:
    """Time the participant spent, from (role, time) pairs: answer gaps, each capped so breaks don't count."""
    total = timedelta()
    last_question: datetime | None = None
    for role, at in turn_times:
        if role == "interviewer":
            last_question = at
        elif last_question is not None:
            total += min(at - last_question, MAX_ACTIVE_GAP)
            last_question = None
    return total.total_seconds() / 60


def guidance(study: Study, progress: Progress, minutes_used: float) -> Guidance:
    """What the next move may be, given the budgets and the topics still open."""
    budget = study.plan.budget
    questions_left = budget.max_questions - progress.questions_asked
    minutes_left = budget.minutes - minutes_used
    states = {s.topic_id: s for s in topic_states(study, progress)}
    unasked = [t for t in ordered_topics(study) if not states[t.id].asked]
    unasked_must = [t for t in unasked if t.priority == "must"]
    # Minutes per question so far (or the planned pace) tells how many questions still fit in the time.
    pace = budget.minutes / budget.max_questions
    fits = min(questions_left, int(minutes_left / pace) if minutes_left > 0 else 0)
    squeezed = fits <= len(unasked_must)
    remaining = unasked_must or unasked
    next_topic = remaining[0] if remaining else None
    current = progress.current_topic
    may_probe = False
    if current is not None:
        topic = study.topic(current)
        state = states.get(current)
        may_probe = bool(
            topic and state and state.followups < topic.max_followups and not state.covered and not squeezed
        )
    must_close = fits <= 0 or (next_topic is None and not may_probe and current is not None)
    return Guidance(
        current_topic=current,
        may_probe=may_probe and not must_close,
        next_topic=next_topic.id if next_topic is not None else None,
        must_close=must_close,
        questions_left=max(questions_left, 0),
        minutes_left=round(max(minutes_left, 0.0), 1),
    )


@dataclass(frozen=True)
class Disposed:
    move: Move
    progress: Progress
    overridden: bool  # the code replaced the interviewer's proposal


def dispose(study: Study, progress: Progress, proposal: Move, allowed: Guidance) -> Disposed:
    """Enforce the budgets on a proposed move and update topic bookkeeping accordingly."""
    move, overridden = proposal, False
    if allowed.must_close and move.kind is not MoveKind.CLOSE:
        move, overridden = _close(study, proposal), True
    elif move.kind is MoveKind.PROBE and not allowed.may_probe:
        move, overridden = _advance(study, proposal, allowed), True
    elif move.kind is MoveKind.CLOSE and not allowed.must_close and _must_left(study, progress):
        move, overridden = _advance(study, proposal, allowed), True
    elif move.kind in (MoveKind.ASK, MoveKind.TRANSITION) and study.topic(move.topic_id or "") is None:
        move, overridden = _advance(study, proposal, allowed), True

    p = progress.copy()
    for topic_id in move.covered:
        if study.topic(topic_id):
            p.topics.setdefault(topic_id, {}).update(covered=True)
    if move.kind is MoveKind.PROBE and p.current_topic:
        entry = p.topics.setdefault(p.current_topic, {})
        entry["followups"] = int(entry.get("followups", 0)) + 1
        move = replace(move, topic_id=p.current_topic)
    elif move.kind in (MoveKind.ASK, MoveKind.TRANSITION):
        if p.current_topic and p.current_topic != move.topic_id:
            p.topics.setdefault(p.current_topic, {}).update(covered=True)
        p.current_topic = move.topic_id
        p.topics.setdefault(move.topic_id or "", {}).update(asked=True)
    if move.kind is not MoveKind.CLOSE:
        p.questions_asked += 1
    p.awaiting_move = False
    p.retry_at = None
    return Disposed(move, p, overridden)


def _must_left(study: Study, progress: Progress) -> bool:
    return any(
        t.priority == "must" and not progress.topics.get(t.id, {}).get("asked") for t in study.plan.topics
    )


def _close(study: Study, proposal: Move) -> Move:
    return replace(proposal, kind=MoveKind.CLOSE, text=study.plan.closing, topic_id=None)


def _advance(study: Study, proposal: Move, allowed: Guidance) -> Move:
    """Replace a move that broke a rule by the next topic's core question (or the close)."""
    topic = study.topic(allowed.next_topic or "")
    if topic is None:
        return _close(study, proposal)
    return replace(proposal, kind=MoveKind.TRANSITION, topic_id=topic.id, text=f"Thank you. {topic.question}")
