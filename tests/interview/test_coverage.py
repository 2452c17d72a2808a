"""Budgets and coverage: the code decides what the interviewer may do next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.interview.conversation import Progress
from bot.interview.coverage import active_minutes, dispose, guidance, ordered_topics
from bot.interview.moves import Move, MoveKind
from bot.studies.study import parse_study
from tests.support.helpers import small_study

STUDY = parse_study(small_study(), "test")


def _after(*moves: Move) -> Progress:
    p = Progress()
    for move in moves:
        p = dispose(STUDY, p, move, guidance(STUDY, p, 0)).progress
    return p


def test_topics_are_ordered_must_first_in_file_order() -> None:
    study = parse_study(
        small_study(
            plan={
                **small_study()["plan"],
                "topics": [
                    {"id": "a", "goal": "g", "question": "q?", "priority": "could"},
                    {"id": "b", "goal": "g", "question": "q?", "priority": "must"},
                    {"id": "c", "goal": "g", "question": "q?", "priority": "should"},
                    {"id": "d", "goal": "g", "question": "q?", "priority": "must"},
                ],
            }
        ),
        "t",
    )
    assert [t.id for t in ordered_topics(study)] == ["b", "d", "c", "a"]


def test_a_probe_beyond_the_follow_up_budget_becomes_a_transition() -> None:
    p = _after(Move(MoveKind.ASK, "q", "trust"))  # trust allows 1 follow-up
    p = dispose(STUDY, p, Move(MoveKind.PROBE, "more?", "trust"), guidance(STUDY, p, 0)).progress
    g = guidance(STUDY, p, 0)
    assert not g.may_probe
    d = dispose(STUDY, p, Move(MoveKind.PROBE, "and more?", "trust"), g)
    assert d.overridden and d.move.kind is MoveKind.TRANSITION and d.move.topic_id == "tasks"
    assert d.move.text.endswith("Which tasks do you use tools for?")
    assert d.progress.topics["trust"]["covered"] is True


def test_closing_early_is_refused_while_must_topics_remain() -> None:
    p = _after(Move(MoveKind.ASK, "q", "tasks"))
    d = dispose(STUDY, p, Move(MoveKind.CLOSE, "bye", None), guidance(STUDY, p, 0))
    assert d.overridden and d.move.kind is MoveKind.TRANSITION and d.move.topic_id == "trust"


def test_question_budget_forces_the_close() -> None:
    p = Progress(questions_asked=8, current_topic="tasks")
    g = guidance(STUDY, p, 0)
    assert g.must_close and g.questions_left == 0
    d = dispose(STUDY, p, Move(MoveKind.PROBE, "more?", "tasks"), g)
    assert d.move.kind is MoveKind.CLOSE and d.move.text == STUDY.plan.closing


def test_time_running_short_skips_to_must_topics_and_stops_probing() -> None:
    p = _after(Move(MoveKind.ASK, "q", "tasks"))
    relaxed = guidance(STUDY, p, minutes_used=0)
    assert relaxed.may_probe and relaxed.next_topic == "trust"
    # 12-minute budget, 8 questions: 1.5 min each. With 10.4 min used one question fits: the must topic.
    squeezed = guidance(STUDY, p, minutes_used=10.4)
    assert not squeezed.may_probe and squeezed.next_topic == "trust" and not squeezed.must_close
    assert guidance(STUDY, p, minutes_used=12.5).must_close


def test_unknown_topic_ids_from_the_model_are_replaced() -> None:
    p = Progress()
    d = dispose(STUDY, p, Move(MoveKind.ASK, "q", "made-up"), guidance(STUDY, p, 0))
    assert d.overridden and d.move.topic_id == "tasks"


def test_followups_and_questions_are_counted() -> None:
    p = _after(
        Move(MoveKind.ASK, "q", "tasks"),
        Move(MoveKind.PROBE, "p", "tasks"),
        Move(MoveKind.TRANSITION, "q2", "trust", covered=("tasks",)),
    )
    assert p.topics["tasks"] == {"asked": True, "followups": 1, "covered": True}
    assert p.current_topic == "trust" and p.questions_asked == 3


def test_all_topics_done_means_close() -> None:
    p = _after(
        Move(MoveKind.ASK, "q", "tasks"),
        Move(MoveKind.TRANSITION, "q", "trust"),
        Move(MoveKind.TRANSITION, "q", "future"),
        Move(MoveKind.PROBE, "p", "future"),
    )
    assert guidance(STUDY, p, 0).must_close


def test_active_minutes_cap_long_breaks() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    pairs = [
        ("interviewer", t0),
        ("participant", t0 + timedelta(minutes=1)),
        ("interviewer", t0 + timedelta(minutes=1, seconds=5)),
        ("participant", t0 + timedelta(hours=5)),
    ]
    assert active_minutes(pairs) == 1 + 4
