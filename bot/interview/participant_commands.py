"""The participant's commands, answered the same way in every state: `help`, `mydata`, `start`,
`withdraw`, `pause`, `resume`, `optout`/`optin`, `snooze <how long>` and `stop` (which words count as
which command is `bot.interview.command_words`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.interview import command_words
from bot.interview.conversation import (
    DEFAULT_SNOOZE,
    TERMINAL,
    Command,
    Effect,
    Progress,
    ReopenInvitation,
    RepeatQuestion,
    Say,
    SendOwnData,
    SetOptOut,
    Snooze,
    StartOver,
    State,
    Step,
    reopens,
)
from bot.interview.locales import texts_for
from bot.interview.prompts import consent_say, current_prompt
from bot.studies.study import Study, parse_duration

MAX_SNOOZE_DAYS = 60
CommandHandler = Callable[[Study, State, Progress, str], Step]  # the last argument: what follows the word


def answer_command(study: Study, state: State, p: Progress, command: Command) -> Step:
    word, _, argument = command.name.partition(" ")
    return COMMANDS[word](study, state, p, argument)


def is_cancel(command: Command) -> bool:
    """While a withdrawal waits for its yes or no, "cancel" (a synonym of `stop`) means no."""
    return command.name == "stop" and command_words.is_cancel(command.said)


def take_part_after_all(study: Study, p: Progress) -> Step:
    """ "Take part" or `start` after "Not now": the same interview (and invitation) goes on."""
    p.not_now = False
    return Step(State.AWAITING_CONSENT, p, [ReopenInvitation(), consent_say(study)])


def _help(study: Study, state: State, p: Progress, argument: str) -> Step:
    return Step(state, p, [Say(texts_for(study.language).help)])


def _mydata(study: Study, state: State, p: Progress, argument: str) -> Step:
    return Step(state, p, [SendOwnData()])


def _start(study: Study, state: State, p: Progress, argument: str) -> Step:
    if reopens(state, p):
        return take_part_after_all(study, p)
    if state in TERMINAL:
        return Step(state, p, [StartOver()])
    return Step(state, p, [Say(texts_for(study.language).under_way_start)])


def _withdraw(study: Study, state: State, p: Progress, argument: str) -> Step:
    if state is State.WITHDRAWN:
        return Step(state, p, [Say(texts_for(study.language).already_deleted)])
    p.confirming_withdraw = True
    question = current_prompt(study, state, p)
    assert question is not None  # confirming a withdrawal is always a question
    return Step(state, p, [question])


def _pause(study: Study, state: State, p: Progress, argument: str) -> Step:
    if state in TERMINAL or state is State.PAUSED:
        return Step(state, p, [Say(texts_for(study.language).nothing_to_pause)])
    p.paused_from = state.value
    return Step(State.PAUSED, p, [Say(texts_for(study.language).paused_text)])


def _resume(study: Study, state: State, p: Progress, argument: str) -> Step:
    if state in TERMINAL:  # "just reply" would be wrong: a reply now gets the same note
        return Step(state, p, [Say(texts_for(study.language).ended_note(state))])
    if state is not State.PAUSED:
        return Step(state, p, [Say(texts_for(study.language).not_paused)])
    resumed = State(p.paused_from or State.INTERVIEWING)
    p.paused_from = None
    again = current_prompt(study, resumed, p)
    effects: list[Effect] = [Say(texts_for(study.language).welcome_back)]
    if again:
        effects.append(again)
    elif resumed is State.INTERVIEWING:
        effects.append(RepeatQuestion())
    return Step(resumed, p, effects)


def _optout(study: Study, state: State, p: Progress, argument: str) -> Step:
    return Step(state, p, [SetOptOut(True), Say(texts_for(study.language).optout_text)])


def _optin(study: Study, state: State, p: Progress, argument: str) -> Step:
    return Step(state, p, [SetOptOut(False), Say(texts_for(study.language).optin_text)])


def _snooze(study: Study, state: State, p: Progress, argument: str) -> Step:
    length = argument or DEFAULT_SNOOZE
    try:
        duration = parse_duration(length)
    except ValueError:
        return Step(state, p, [Say(texts_for(study.language).snooze_how)])
    if not duration:  # `snooze 0d` would put off nothing while saying it did: ask how long instead
        return Step(state, p, [Say(texts_for(study.language).snooze_how)])
    if duration > timedelta(days=MAX_SNOOZE_DAYS):  # 1441h is past it too, though its .days is 60
        return Step(state, p, [Say(texts_for(study.language).snooze_at_most)])
    if state in TERMINAL:
        return Step(state, p, [Say(texts_for(study.language).nothing_to_snooze)])
    return Step(state, p, [Snooze(length), Say(texts_for(study.language).snoozed.format(length=length))])


def _stop(study: Study, state: State, p: Progress, argument: str) -> Step:
    p.confirming_withdraw = False  # a withdrawal waiting for its yes or no is not carried out
    if state in TERMINAL:
        return Step(state, p, [Say(texts_for(study.language).nothing_to_stop)])
    p.awaiting_move = False
    return Step(State.STOPPED, p, [Say(texts_for(study.language).stopped_text)])


COMMANDS: dict[str, CommandHandler] = {
    "help": _help,
    "mydata": _mydata,
    "start": _start,
    "withdraw": _withdraw,
    "pause": _pause,
    "resume": _resume,
    "optout": _optout,
    "optin": _optin,
    "snooze": _snooze,
    "stop": _stop,
}
