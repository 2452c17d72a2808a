"""The pure state machine: every participant command from every state, consent, screening and survey paths."""

from __future__ import annotations

import pytest

from bot.interview.conversation import (
    ACTIVE,
    TERMINAL,
    AskInterviewer,
    Begin,
    Click,
    CloseInvitation,
    Command,
    DeleteData,
    Event,
    MarkAnswered,
    Message,
    Progress,
    RecordAnswer,
    RecordConsent,
    RecordTurn,
    ReopenInvitation,
    RepeatQuestion,
    Say,
    Snooze,
    StartOver,
    State,
    Step,
    parse_command,
    reopens,
)
from bot.interview.locales import ENGLISH
from bot.interview.prompts import survey_say
from bot.interview.texts import NOT_NOW
from bot.interview.transitions import begin_survey, step
from bot.studies.study import parse_study
from tests.support.helpers import small_study

STUDY = parse_study(small_study(), "test")
ALL_STATES = list(State)


def _says(result: Step) -> list[str]:
    return [e.text for e in result.effects if isinstance(e, Say)]


def _progress_for(state: State) -> Progress:
    p = Progress()
    if state is State.PAUSED:
        p.paused_from = State.INTERVIEWING.value
    return p


@pytest.mark.parametrize("state", ALL_STATES)
def test_help_works_in_every_state_and_changes_nothing(state: State) -> None:
    result = step(STUDY, state, _progress_for(state), Command("help"))
    assert result.state is state
    assert "withdraw" in _says(result)[0] and "pause" in _says(result)[0]


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s is not State.WITHDRAWN])
def test_withdraw_asks_for_confirmation_in_every_state(state: State) -> None:
    result = step(STUDY, state, _progress_for(state), Command("withdraw"))
    assert result.state is state and result.progress.confirming_withdraw
    ask = [e for e in result.effects if isinstance(e, Say)][0]
    assert ask.prompt == "withdraw" and [c.value for c in ask.choices] == ["yes", "no"]
    confirmed = step(STUDY, state, result.progress, Click("withdraw", "yes"))
    assert confirmed.state is State.WITHDRAWN
    assert any(isinstance(e, DeleteData) for e in confirmed.effects)


def test_withdraw_when_already_withdrawn_says_so() -> None:
    result = step(STUDY, State.WITHDRAWN, Progress(), Command("withdraw"))
    assert result.state is State.WITHDRAWN and "already deleted" in _says(result)[0]


@pytest.mark.parametrize("state", ALL_STATES)
def test_withdraw_can_be_cancelled_by_typing_no(state: State) -> None:
    asked = step(STUDY, state, _progress_for(state), Command("withdraw"))
    if state is State.WITHDRAWN:
        return
    kept = step(STUDY, state, asked.progress, Message("no"))
    assert kept.state is state and not kept.progress.confirming_withdraw
    assert not any(isinstance(e, DeleteData) for e in kept.effects)
    assert "Nothing was deleted" in " ".join(_says(kept))


@pytest.mark.parametrize("state", sorted(ACTIVE, key=str))
def test_pause_then_resume_returns_to_the_same_state(state: State) -> None:
    paused = step(STUDY, state, Progress(), Command("pause"))
    assert paused.state is State.PAUSED and paused.progress.paused_from == state.value
    resumed = step(STUDY, State.PAUSED, paused.progress, Command("resume"))
    assert resumed.state is state and resumed.progress.paused_from is None
    assert _says(resumed)[0] == "Welcome back."


@pytest.mark.parametrize("state", sorted(TERMINAL | {State.PAUSED}, key=str))
def test_pause_outside_an_active_state_is_a_polite_no(state: State) -> None:
    result = step(STUDY, state, _progress_for(state), Command("pause"))
    assert result.state is state and "nothing to pause" in _says(result)[0]


@pytest.mark.parametrize("state", sorted(ACTIVE | {State.PAUSED}, key=str))
def test_stop_ends_any_running_interview(state: State) -> None:
    result = step(STUDY, state, _progress_for(state), Command("stop"))
    assert result.state is State.STOPPED and "withdraw" in _says(result)[0]


@pytest.mark.parametrize("state", sorted(TERMINAL, key=str))
def test_stop_after_the_end_is_a_polite_no(state: State) -> None:
    result = step(STUDY, state, Progress(), Command("stop"))
    assert result.state is state and "nothing running" in _says(result)[0]


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s is not State.PAUSED and s not in TERMINAL])
def test_resume_when_not_paused_says_so(state: State) -> None:
    result = step(STUDY, state, Progress(), Command("resume"))
    assert result.state is state and "not paused" in _says(result)[0]


@pytest.mark.parametrize("state", sorted(TERMINAL, key=str))
def test_resume_after_the_end_says_what_a_reply_would_get(state: State) -> None:
    """Not "just reply to continue": a reply after the end gets this same note, with `start` in it."""
    result = step(STUDY, state, Progress(), Command("resume"))
    assert result.state is state and _says(result) == [ENGLISH.ended_note(state)]


@pytest.mark.parametrize("state", sorted(TERMINAL, key=str))
def test_start_after_the_end_begins_again(state: State) -> None:
    result = step(STUDY, state, Progress(), Command("start"))
    assert any(isinstance(e, StartOver) for e in result.effects)


def test_any_message_resumes_a_paused_interview_and_counts_as_the_answer() -> None:
    p = Progress(paused_from=State.INTERVIEWING.value)
    result = step(STUDY, State.PAUSED, p, Message("Here is my answer after a break."))
    assert result.state is State.INTERVIEWING
    assert any(isinstance(e, RecordTurn) for e in result.effects)
    assert any(isinstance(e, AskInterviewer) for e in result.effects)


def test_resume_in_the_interview_repeats_the_last_question() -> None:
    result = step(STUDY, State.PAUSED, Progress(paused_from="interviewing"), Command("resume"))
    assert any(isinstance(e, RepeatQuestion) for e in result.effects)


def test_consent_release_screening_then_interview() -> None:
    begun = step(STUDY, State.INVITED, Progress(), Begin())
    assert begun.state is State.AWAITING_CONSENT
    consent = [e for e in begun.effects if isinstance(e, Say)][0]
    assert (
        consent.prompt == "consent"
        and STUDY.plan.intro in consent.text
        and STUDY.consent.text in consent.text
    )
    r = step(STUDY, begun.state, begun.progress, Message("yes"))
    assert [type(e) for e in r.effects] == [MarkAnswered, RecordConsent, Say]
    assert r.progress.consent_step == "release"
    r = step(STUDY, r.state, r.progress, Click("release", "no"))
    assert RecordConsent("release", False) in r.effects and r.state is State.SCREENING
    r = step(STUDY, r.state, r.progress, Message("3"))  # typed number picks the third option
    assert RecordAnswer("screening", "role", "Other") in r.effects
    assert r.state is State.INTERVIEWING and any(isinstance(e, AskInterviewer) for e in r.effects)


def test_declining_consent_ends_without_recording_anything_else() -> None:
    r = step(STUDY, State.AWAITING_CONSENT, Progress(), Click("consent", "no"))
    assert r.state is State.DECLINED
    assert RecordConsent("participation", False) in r.effects
    assert not any(isinstance(e, (RecordTurn, RecordAnswer)) for e in r.effects)


def test_unrecognised_typed_answer_to_buttons_repeats_the_question() -> None:
    r = step(STUDY, State.SCREENING, Progress(), Message("a little of everything"))
    assert r.state is State.SCREENING and r.progress.screening_index == 0
    says = [e for e in r.effects if isinstance(e, Say)]
    assert "choose one of the options" in says[0].text and says[1].prompt == "screen:role"


def test_a_click_on_an_already_answered_prompt_cannot_answer_twice_or_repost_the_question() -> None:
    """A fast double click: the second click is for a prompt already answered, and the next question is
    on screen already; nothing is recorded, said or posted again."""
    p = Progress(consent_step="release")
    r = step(STUDY, State.AWAITING_CONSENT, p, Click("consent", "no"))
    assert r.state is State.AWAITING_CONSENT and r.effects == []
    late = step(STUDY, State.INTERVIEWING, Progress(), Click("screen:role", "Engineer"))
    assert late.state is State.INTERVIEWING and late.effects == []


def test_survey_items_in_order_then_completed() -> None:
    r = begin_survey(STUDY, Progress(), "Thanks!")
    assert r.state is State.SURVEYING
    assert [e.prompt for e in r.effects if isinstance(e, Say)] == [None, "survey:satisfaction"]
    recorded = []
    for event in (Click("survey:satisfaction", "7"), Message("4"), Message("no")):
        r = step(STUDY, r.state, r.progress, event)
        recorded += [e for e in r.effects if isinstance(e, RecordAnswer)]
    assert r.state is State.COMPLETED
    assert recorded == [
        RecordAnswer("survey", "satisfaction", "7"),
        RecordAnswer("survey", "captured", "4"),
        RecordAnswer("survey", "recommend", "no"),
    ]


def test_scale_questions_show_their_anchor_labels() -> None:
    say = survey_say(STUDY, STUDY.survey[0])
    assert "1 = not at all satisfied" in say.text and [c.value for c in say.choices] == list("1234567")


@pytest.mark.parametrize(
    "text,attachments,expected",
    [
        ("   ", 0, "didn't catch any text"),
        ("", 2, "I can only read text, so I have not opened or kept your file."),
    ],
)
def test_empty_messages_and_bare_files_get_a_clear_answer(text: str, attachments: int, expected: str) -> None:
    r = step(STUDY, State.INTERVIEWING, Progress(), Message(text, attachments))
    assert r.state is State.INTERVIEWING and expected in _says(r)[0]
    assert not any(isinstance(e, RecordTurn) for e in r.effects)


def test_a_first_message_with_a_file_hears_that_files_are_not_read_before_the_consent_question() -> None:
    for r in (
        step(STUDY, State.INVITED, Progress(), Begin(attachments=1)),
        step(STUDY, State.INVITED, Progress(), Message("", 2)),
    ):
        assert r.state is State.AWAITING_CONSENT
        note, consent = _says(r)
        assert "have not opened or kept the file" in note and "agree" in consent, _says(r)
    assert len(_says(step(STUDY, State.INVITED, Progress(), Begin()))) == 1, "no note without a file"


def test_words_sent_with_a_file_are_answered_and_the_file_is_said_to_be_unread() -> None:
    r = step(STUDY, State.INTERVIEWING, Progress(), Message("Here is my schedule", 1))
    assert "have not opened or kept the file" in _says(r)[0]
    assert [e.text for e in r.effects if isinstance(e, RecordTurn)] == ["Here is my schedule"]


@pytest.mark.parametrize(
    "text,command",
    [
        ("stop", "stop"),
        (" /Pause ", "pause"),
        ("!help", "help"),
        ("I would stop using it", None),
        ("withdrawal", None),
    ],
)
def test_only_a_whole_message_is_a_command(text: str, command: str | None) -> None:
    assert parse_command(text) == command


def test_progress_round_trips_through_json_and_ignores_unknown_keys() -> None:
    p = Progress(screening_index=2, topics={"tasks": {"asked": True}})
    data = p.to_json() | {"from_a_future_version": 1}
    assert Progress.from_json(data) == p


@pytest.mark.parametrize(
    "state", [State.AWAITING_CONSENT, State.SCREENING, State.INTERVIEWING, State.SURVEYING]
)
def test_take_part_clicked_again_continues_where_they_left_off(state: State) -> None:
    result = step(STUDY, state, Progress(), Click("start", "start"))
    assert result.state is state
    assert _says(result)[0] == "You are already taking part; let's continue where we left off."
    repeat = result.effects[1]
    assert isinstance(repeat, RepeatQuestion) if state is State.INTERVIEWING else repeat.prompt is not None


@pytest.mark.parametrize("event", [Command("start"), Click("start", STUDY.id)], ids=["typed", "take-part"])
def test_taking_part_after_not_now_reopens_the_same_interview(event: Event) -> None:
    declined = step(STUDY, State.INVITED, Progress(), Click("start", NOT_NOW + STUDY.id))
    assert declined.state is State.DECLINED
    assert any(isinstance(e, CloseInvitation) for e in declined.effects)
    result = step(STUDY, declined.state, declined.progress, event)
    assert result.state is State.AWAITING_CONSENT and not result.progress.not_now
    assert isinstance(result.effects[0], ReopenInvitation)
    assert result.effects[1].prompt == "consent"  # type: ignore[union-attr]


def test_declining_consent_then_start_begins_a_new_interview() -> None:
    """Only "Not now" is undone in place; a "No" to the consent question stays on record."""
    asked = step(STUDY, State.INVITED, Progress(), Click("start", STUDY.id))
    declined = step(STUDY, asked.state, asked.progress, Click("consent", "no"))
    assert declined.state is State.DECLINED
    assert not reopens(declined.state, declined.progress)
    result = step(STUDY, declined.state, declined.progress, Command("start"))
    assert [type(e) for e in result.effects] == [StartOver]


@pytest.mark.parametrize(
    ("argument", "snoozed"),
    [("", "1d"), ("60d", "60d"), ("1440h", "1440h"), ("1441h", None), ("61d", None), ("9w", None)],
)
def test_snooze_lasts_a_day_by_default_and_at_most_60_days(argument: str, snoozed: str | None) -> None:
    """60 days and one hour is past the limit too, whatever unit says it."""
    result = step(STUDY, State.INVITED, Progress(), Command(f"snooze {argument}".strip()))
    snoozes = [e.duration for e in result.effects if isinstance(e, Snooze)]
    assert snoozes == ([snoozed] if snoozed else [])
    if snoozed is None:
        assert _says(result) == [ENGLISH.snooze_at_most]


@pytest.mark.parametrize("argument", ["0d", "0m", "0w"])
def test_a_snooze_of_no_time_asks_how_long_instead_of_saying_it_snoozed(argument: str) -> None:
    """`snooze 0d` puts off no reminder: answering "Snoozed: no reminders for 0d" would be no answer."""
    result = step(STUDY, State.INVITED, Progress(), Command(f"snooze {argument}"))
    assert not [e for e in result.effects if isinstance(e, Snooze)]
    assert _says(result) == [ENGLISH.snooze_how]
