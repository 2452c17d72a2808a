"""The interview state machine's transitions: a pure `step` that returns the new state, progress and effects.

`step` reads as a table. Participant commands (`help`, `pause`, `stop`, `withdraw`, ...) are answered
the same way in every state (`bot.interview.participant_commands`), as are the scheduler's `Expire`, a
new interview's `Begin`, an invitation's "Not now" and the answer to a pending withdrawal question.
Every other message or click goes to the handler of the interview's state in `STATES`.

Nothing here touches a database, a platform or a model: the engine feeds events in and carries the
effects out, so every path can be tested by calling `step` directly.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.interview.conversation import (
    TERMINAL,
    AskInterviewer,
    Begin,
    Click,
    CloseInvitation,
    Command,
    DeleteData,
    Effect,
    Event,
    Expire,
    MarkAnswered,
    Message,
    Progress,
    RecordAnswer,
    RecordConsent,
    RecordTurn,
    RepeatQuestion,
    Say,
    State,
    Step,
    reopens,
)
from bot.interview.locales import texts_for
from bot.interview.participant_commands import answer_command, is_cancel, take_part_after_all
from bot.interview.prompts import (
    consent_say,
    current_prompt,
    is_not_now,
    match_choice,
    release_say,
    screening_say,
    survey_say,
)
from bot.messages import Choice
from bot.studies.study import Study

StateHandler = Callable[[Study, State, Progress, Message | Click], Step]


def step(study: Study, state: State, progress: Progress, event: Event) -> Step:
    """Advance one event. Pure: returns the new state, new progress and the effects to carry out."""
    result = _step(study, state, progress.copy(), event)
    if isinstance(event, Message) and event.cut_from:
        kept = len(event.text)
        result.effects.insert(
            0, Say(texts_for(study.language).cut_text.format(kept=kept, total=event.cut_from))
        )
    return result


def _step(study: Study, state: State, p: Progress, event: Event) -> Step:
    if isinstance(event, Command):
        if p.confirming_withdraw and is_cancel(event):
            return _confirm_withdraw(study, state, p, Message("no"))  # "cancel" keeps the data
        return answer_command(study, state, p, event)
    if isinstance(event, Expire):
        return (
            Step(state, p, [])
            if state in TERMINAL
            else Step(State.EXPIRED, p, [Say(texts_for(study.language).expired_text)])
        )
    if isinstance(event, Begin):
        return Step(
            State.AWAITING_CONSENT, p, [*_files_not_read(study, event.attachments), consent_say(study)]
        )
    if isinstance(event, Click) and is_not_now(event.value):
        return _not_now(study, state, p)
    if p.confirming_withdraw:
        return _confirm_withdraw(study, state, p, event)
    return STATES[state](study, state, p, event)


# ---- one handler per state, for the messages and clicks that are not commands --------------------------


def _invited(study: Study, state: State, p: Progress, event: Message | Click) -> Step:
    files = event.attachments if isinstance(event, Message) else 0
    return Step(State.AWAITING_CONSENT, p, [*_files_not_read(study, files), consent_say(study)])


def _files_not_read(study: Study, attachments: int) -> list[Effect]:
    """A first message with files: the participant hears, before the consent question, that files are
    neither opened nor kept, rather than wondering what became of them."""
    return [Say(texts_for(study.language).files_not_read)] if attachments else []


def _paused(study: Study, state: State, p: Progress, event: Message | Click) -> Step:
    """Any message resumes where the participant paused, and is then taken as said there."""
    resumed = State(p.paused_from or State.INTERVIEWING)
    p.paused_from = None
    inner = step(study, resumed, p, event)
    return Step(inner.state, inner.progress, [Say(texts_for(study.language).welcome_back), *inner.effects])


def _interviewing(study: Study, state: State, p: Progress, event: Message | Click) -> Step:
    interrupted = _interruption(study, state, p, event)
    if interrupted is not None:
        return interrupted
    if isinstance(event, Click):  # a late click on a screening button: the question is on screen
        return Step(state, p, [])
    p.awaiting_move = True
    p.move_token += 1
    p.retry_at = None
    skipped: list[Effect] = [Say(texts_for(study.language).files_skipped)] if event.attachments else []
    return Step(state, p, [*skipped, RecordTurn(event.text), AskInterviewer()])


def _answering(study: Study, state: State, p: Progress, event: Message | Click) -> Step:
    """Consent, screening and survey: the answer to the question on screen, by button or typed."""
    interrupted = _interruption(study, state, p, event)
    if interrupted is not None:
        return interrupted
    prompt = current_prompt(study, state, p)
    assert prompt is not None
    if isinstance(event, Click) and event.prompt != prompt.prompt:
        # a second click on a button already answered (a fast double click, before the button was
        # disabled): the current question is on screen already, so nothing is said or posted again
        return Step(state, p, [])
    if isinstance(event, Click):
        choice = next((c for c in prompt.choices if c.value == event.value), None)
    elif prompt.choices:
        choice = match_choice(event.text, prompt, study.language)
    else:
        choice = Choice(event.text.strip(), event.text.strip())
    if choice is None:
        return Step(state, p, [Say(texts_for(study.language).pick_a_button), prompt])
    return _answer(study, state, p, prompt, choice)


def _ended(study: Study, state: State, p: Progress, event: Message | Click) -> Step:
    if isinstance(event, Click) and event.prompt == "start" and reopens(state, p):
        return take_part_after_all(study, p)
    return Step(state, p, [Say(texts_for(study.language).ended_note(state))])


STATES: dict[State, StateHandler] = {
    State.INVITED: _invited,
    State.AWAITING_CONSENT: _answering,
    State.SCREENING: _answering,
    State.INTERVIEWING: _interviewing,
    State.PAUSED: _paused,
    State.SURVEYING: _answering,
    **dict.fromkeys(TERMINAL, _ended),
}


def _interruption(study: Study, state: State, p: Progress, event: Message | Click) -> Step | None:
    """ "Take part" clicked again mid-interview, or a message with no text: answered, the state kept."""
    if isinstance(event, Click) and event.prompt == "start":
        again = current_prompt(study, state, p)
        return Step(
            state,
            p,
            [Say(texts_for(study.language).already_taking_part), again if again else RepeatQuestion()],
        )
    if isinstance(event, Message) and not event.text.strip():
        texts = texts_for(study.language)
        return Step(state, p, [Say(texts.only_text if event.attachments else texts.no_text)])
    return None


# ---- answers -----------------------------------------------------------------------------------------


def _not_now(study: Study, state: State, p: Progress) -> Step:
    """ "Not now" on an invitation declines it; clicked later, it changes nothing."""
    texts = texts_for(study.language)
    if state is State.INVITED:
        effects: list[Effect] = [
            MarkAnswered("start", texts.not_now_label),
            CloseInvitation(),
            Say(texts.not_now_text),
        ]
        p.not_now = True
        return Step(State.DECLINED, p, effects)
    if state in TERMINAL:
        return Step(state, p, [Say(texts.ended_note(state))])
    return Step(state, p, [Say(texts.under_way_text)])


def _answer(study: Study, state: State, p: Progress, prompt: Say, choice: Choice) -> Step:
    assert prompt.prompt is not None
    effects: list[Effect] = [MarkAnswered(prompt.prompt, choice.label)] if prompt.choices else []
    if state is State.AWAITING_CONSENT and p.consent_step == "participation":
        granted = choice.value == "yes"
        effects.append(RecordConsent("participation", granted))
        if not granted:
            return Step(State.DECLINED, p, [*effects, Say(texts_for(study.language).declined_text)])
        if study.consent.release_question:
            p.consent_step = "release"
            return Step(state, p, [*effects, release_say(study)])
        return _after_consent(study, p, effects)
    if state is State.AWAITING_CONSENT:
        effects.append(RecordConsent("release", choice.value == "yes"))
        return _after_consent(study, p, effects)
    if state is State.SCREENING:
        q = study.screening[p.screening_index]
        effects.append(RecordAnswer("screening", q.id, choice.value))
        p.screening[q.id] = choice.value
        p.screening_index += 1
        return _after_consent(study, p, effects)
    item = study.survey[p.survey_index]  # surveying
    effects.append(RecordAnswer("survey", item.id, choice.value))
    p.survey_index += 1
    if p.survey_index < len(study.survey):
        return Step(state, p, [*effects, survey_say(study, study.survey[p.survey_index])])
    return Step(State.COMPLETED, p, [*effects, Say(texts_for(study.language).completed_text)])


def _after_consent(study: Study, p: Progress, effects: list[Effect]) -> Step:
    """Ask the next screening question, or start the interview proper."""
    if p.screening_index < len(study.screening):
        return Step(State.SCREENING, p, [*effects, screening_say(study, p.screening_index)])
    p.awaiting_move = True
    p.move_token += 1
    return Step(State.INTERVIEWING, p, [*effects, AskInterviewer()])


def begin_survey(study: Study, p: Progress, closing: str) -> Step:
    """The interview proper is over: send the closing text and the first survey item."""
    p = p.copy()
    p.awaiting_move = False
    if not study.survey:
        return Step(State.COMPLETED, p, [Say(closing)])
    p.survey_index = 0
    return Step(State.SURVEYING, p, [Say(closing), survey_say(study, study.survey[0])])


def _confirm_withdraw(study: Study, state: State, p: Progress, event: Event) -> Step:
    prompt = current_prompt(study, state, p)
    assert prompt is not None
    if isinstance(event, Click):
        choice = (
            next((c for c in prompt.choices if c.value == event.value), None)
            if event.prompt == "withdraw"
            else None
        )
    else:
        assert isinstance(event, Message)  # commands, Begin and Expire are answered before this
        choice = match_choice(event.text, prompt, study.language)
    if choice is None:
        return Step(state, p, [Say(texts_for(study.language).yes_or_no), prompt])
    p.confirming_withdraw = False
    if choice.value == "yes":
        p.awaiting_move = False
        return Step(
            State.WITHDRAWN,
            Progress(out_seq=p.out_seq, turn_seq=p.turn_seq),
            [
                MarkAnswered("withdraw", choice.label),
                DeleteData(),
                Say(texts_for(study.language).withdrawn_text),
            ],
        )
    again = current_prompt(study, state, p)
    return Step(
        state,
        p,
        [
            MarkAnswered("withdraw", choice.label),
            Say(texts_for(study.language).nothing_deleted),
            *([again] if again else []),
        ],
    )
