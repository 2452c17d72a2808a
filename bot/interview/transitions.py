"""The interview state machine's transitions: a pure `step` function that returns effects, and the texts.
Its vocabulary (states, events, effects, progress) lives in `bot.conversation` and is re-exported here.

Nothing here touches a database, a platform or a model: the engine feeds events in and carries the
effects out, so every path can be tested by calling `step` directly.
"""

from __future__ import annotations

from bot.interview.conversation import (
    ACTIVE,
    COMMANDS,
    DEFAULT_SNOOZE,
    NO,
    TERMINAL,
    YES,
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
    ReopenInvitation,
    RepeatQuestion,
    Say,
    SendOwnData,
    SetOptOut,
    Snooze,
    StartOver,
    State,
    Step,
    parse_command,
)

__all__ = [  # the vocabulary (from bot.conversation) and the transitions
    "State",
    "TERMINAL",
    "ACTIVE",
    "COMMANDS",
    "DEFAULT_SNOOZE",
    "YES",
    "NO",
    "parse_command",
    "Begin",
    "Message",
    "Click",
    "Command",
    "Expire",
    "Event",
    "Say",
    "RecordTurn",
    "RecordAnswer",
    "RecordConsent",
    "MarkAnswered",
    "AskInterviewer",
    "RepeatQuestion",
    "DeleteData",
    "Snooze",
    "SetOptOut",
    "StartOver",
    "SendOwnData",
    "CloseInvitation",
    "ReopenInvitation",
    "Effect",
    "Progress",
    "Step",
    "HELP",
    "CONSENT_CHOICES",
    "RELEASE_CHOICES",
    "WITHDRAW_CHOICES",
    "NOT_NOW",
    "NOT_NOW_LABEL",
    "NOT_NOW_TEXT",
    "UNDER_WAY_TEXT",
    "is_not_now",
    "survey_say",
    "consent_say",
    "release_say",
    "screening_say",
    "current_prompt",
    "step",
    "reopens",
    "begin_survey",
    "OPTOUT_TEXT",
    "NOTHING_HELD_TEXT",
    "OPTIN_TEXT",
]
from bot.interview import command_words
from bot.messages import Choice
from bot.studies.study import Study, SurveyItem, parse_duration

# ---- texts -----------------------------------------------------------------------------------------

HELP = (
    "You are taking part in a research interview. Answer in your own words, as briefly or fully as you like; "
    "you may skip any question.\n"
    "Commands: `pause` (continue later), `resume`, `stop` (end now, keep what you said), "
    "`withdraw` (end and delete everything you said), `mydata` (a copy of what you said), `help`."
)
CONSENT_CHOICES = (Choice("Yes, I agree", "yes"), Choice("No, thanks", "no"))
RELEASE_CHOICES = (Choice("Yes, you may", "yes"), Choice("No, keep it private", "no"))
WITHDRAW_CHOICES = (Choice("Yes, delete my data", "yes"), Choice("No, keep it", "no"))
NOT_NOW = "not-now:"  # + study id: the value of an invitation's "Not now" button
NOT_NOW_LABEL = "Not now"
NOT_NOW_TEXT = (
    "No problem, thank you for letting us know. You will not be reminded about this invitation. "
    "If you would like to take part later, type `start` here at any time."
)
CUT_TEXT = (
    "Your message was {total:,} characters long, more than I can take in one message, so I kept the "
    "first {kept:,}. If the rest matters, send it in a few shorter messages."
)
UNDER_WAY_TEXT = (
    "You are already taking part. To continue later type `pause`; to end the interview type `stop`."
)


def is_not_now(value: str | None) -> bool:
    """True for the value of an invitation's "Not now" button."""
    return bool(value and value.startswith(NOT_NOW))


def _scale_text(item: SurveyItem) -> str:
    if item.kind == "scale7":
        return f"{item.question}\n(1 = {item.low_label}, 7 = {item.high_label})"
    return item.question


def survey_say(item: SurveyItem) -> Say:
    if item.kind == "scale7":
        choices = tuple(Choice(str(n), str(n)) for n in range(1, 8))
    elif item.kind == "yesno":
        choices = (Choice("Yes", "yes"), Choice("No", "no"))
    else:
        choices = ()
    return Say(_scale_text(item), choices, f"survey:{item.id}")


def consent_say(study: Study) -> Say:
    ask = "" if study.consent.text.rstrip().endswith("?") else "\n\nDo you agree to take part?"
    return Say(f"{study.plan.intro}\n\n{study.consent.text}{ask}", CONSENT_CHOICES, "consent")


def release_say(study: Study) -> Say:
    assert study.consent.release_question
    return Say(study.consent.release_question, RELEASE_CHOICES, "release")


def screening_say(study: Study, index: int) -> Say:
    q = study.screening[index]
    choices = tuple(Choice(o, o) for o in q.options) if q.kind == "choice" else ()
    return Say(q.question, choices, f"screen:{q.id}")


WITHDRAW_QUESTION = (
    "Withdraw from this study and delete everything you told us in it: your messages, your answers to "
    "every question, your survey answers and your consent answers, from this and any earlier interview "
    "of yours in this study? This cannot be undone."
)
WITHDRAWN_TEXT = (
    "Done: everything you told us in this study has been deleted: your messages, your answers to the "
    "questions and the survey, and your consent answers, from every interview of yours in this study. "
    "We keep only an empty record that an interview took place and was withdrawn, with no content. "
    "Type `mydata` to check. Thank you for your time."
)


def current_prompt(study: Study, state: State, progress: Progress) -> Say | None:
    """The question the participant is expected to answer now, if it is a structured one."""
    if progress.confirming_withdraw:
        return Say(
            WITHDRAW_QUESTION,
            WITHDRAW_CHOICES,
            "withdraw",
        )
    if state is State.AWAITING_CONSENT:
        return consent_say(study) if progress.consent_step == "participation" else release_say(study)
    if state is State.SCREENING:
        return screening_say(study, progress.screening_index)
    if state is State.SURVEYING:
        return survey_say(study.survey[progress.survey_index])
    return None


def _match(text: str, say: Say) -> Choice | None:
    """Typed answers to a button question: the number shown, the label, or the value."""
    t = text.strip().lower().rstrip(".!")
    for choice in say.choices:
        if t in (choice.label.lower(), choice.value.lower()):
            return choice
    if say.prompt in ("consent", "release", "withdraw") or (say.choices and say.choices[0].value == "yes"):
        if t in YES:
            return say.choices[0]
        if t in NO:
            return say.choices[1]
    # bounded before int(): a pasted number thousands of digits long is an answer, not an error
    if t.isdigit() and len(t) <= 3 and 1 <= int(t) <= len(say.choices) and not say.choices[0].label.isdigit():
        return say.choices[int(t) - 1]
    return None


# ---- the transition function -----------------------------------------------------------------------


def step(study: Study, state: State, progress: Progress, event: Event) -> Step:
    """Advance one event. Pure: returns the new state, new progress and the effects to carry out."""
    result = _step(study, state, progress, event)
    if isinstance(event, Message) and event.cut_from:
        kept = len(event.text)
        result.effects.insert(0, Say(CUT_TEXT.format(kept=kept, total=event.cut_from)))
    return result


def _step(study: Study, state: State, progress: Progress, event: Event) -> Step:
    p = progress.copy()
    if isinstance(event, Command) and p.confirming_withdraw and _cancels(event):
        return _confirm_withdraw(study, state, p, Message("no"))  # "cancel" keeps the data
    if isinstance(event, Command):
        return _command(study, state, p, event.name)
    if isinstance(event, Expire):
        if state in TERMINAL:
            return Step(state, p, [])
        return Step(
            State.EXPIRED,
            p,
            [
                Say(
                    "This interview has closed because we did not hear back. Thank you "
                    "for your time; nothing more will be asked."
                )
            ],
        )
    if isinstance(event, Begin):
        return Step(State.AWAITING_CONSENT, p, [consent_say(study)])
    if isinstance(event, Click) and is_not_now(event.value):
        return _not_now(state, p)
    if p.confirming_withdraw:
        return _confirm_withdraw(study, state, p, event)
    if state is State.PAUSED:
        resumed = State(p.paused_from or State.INTERVIEWING)
        p.paused_from = None
        inner = step(study, resumed, p, event)
        return Step(inner.state, inner.progress, [Say("Welcome back."), *inner.effects])
    if state is State.INVITED:
        return Step(State.AWAITING_CONSENT, p, [consent_say(study)])
    if isinstance(event, Click) and event.prompt == "start" and reopens(state, p):
        return _take_part_after_all(study, p)
    if state in TERMINAL:
        return Step(state, p, [Say(_terminal_note(state))])
    if isinstance(event, Click) and event.prompt == "start":  # "Take part" clicked again mid-interview
        again = current_prompt(study, state, p)
        return Step(
            state,
            p,
            [
                Say("You are already taking part; let's continue where we left off."),
                again if again else RepeatQuestion(),
            ],
        )
    prompt = current_prompt(study, state, p)
    if isinstance(event, Message) and not event.text.strip():
        why = (
            "I can only read text here; could you describe it in words?"
            if event.attachments
            else "I didn't catch any text there. Could you write your answer in words?"
        )
        return Step(state, p, [Say(why)])
    if state is State.INTERVIEWING:
        if isinstance(event, Click):  # a late click on a screening button: the question is on screen
            return Step(state, p, [])
        p.awaiting_move = True
        p.move_token += 1
        p.retry_at = None
        return Step(state, p, [RecordTurn(event.text), AskInterviewer()])
    assert prompt is not None
    if isinstance(event, Click) and event.prompt != prompt.prompt:
        # a second click on a button already answered (a fast double click, before the button was
        # disabled): the current question is on screen already, so nothing is said or posted again
        return Step(state, p, [])
    if isinstance(event, Click):
        choice = next((c for c in prompt.choices if c.value == event.value), None)
    else:
        choice = (
            _match(event.text, prompt) if prompt.choices else Choice(event.text.strip(), event.text.strip())
        )
    if choice is None:
        hint = "Please pick one of the buttons" + (" or type its number." if prompt.choices else ".")
        return Step(state, p, [Say(hint), prompt])
    return _answer(study, state, p, prompt, choice)


def _cancels(command: Command) -> bool:
    """While a withdrawal waits for its yes or no, "cancel" (a synonym of `stop`) means no."""
    return command.name == "stop" and command_words.is_cancel(command.said)


def _not_now(state: State, p: Progress) -> Step:
    """ "Not now" on an invitation declines it; clicked later, it changes nothing."""
    if state is State.INVITED:
        effects: list[Effect] = [MarkAnswered("start", NOT_NOW_LABEL), CloseInvitation(), Say(NOT_NOW_TEXT)]
        p.not_now = True
        return Step(State.DECLINED, p, effects)
    if state in TERMINAL:
        return Step(state, p, [Say(_terminal_note(state))])
    return Step(state, p, [Say(UNDER_WAY_TEXT)])


def reopens(state: State, p: Progress) -> bool:
    """True for an invitation declined with "Not now": taking part later continues this same interview
    (and its invitation), so the funnel counts one person once."""
    return state is State.DECLINED and p.not_now


def _take_part_after_all(study: Study, p: Progress) -> Step:
    p.not_now = False
    return Step(State.AWAITING_CONSENT, p, [ReopenInvitation(), consent_say(study)])


def _answer(study: Study, state: State, p: Progress, prompt: Say, choice: Choice) -> Step:
    assert prompt.prompt is not None
    effects: list[Effect] = [MarkAnswered(prompt.prompt, choice.label)] if prompt.choices else []
    if state is State.AWAITING_CONSENT and p.consent_step == "participation":
        granted = choice.value == "yes"
        effects.append(RecordConsent("participation", granted))
        if not granted:
            return Step(
                State.DECLINED,
                p,
                [
                    *effects,
                    Say(
                        "No problem, thank you for considering it. Nothing "
                        "was recorded. Type `start` if you change your mind."
                    ),
                ],
            )
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
    # surveying
    item = study.survey[p.survey_index]
    effects.append(RecordAnswer("survey", item.id, choice.value))
    p.survey_index += 1
    if p.survey_index < len(study.survey):
        return Step(state, p, [*effects, survey_say(study.survey[p.survey_index])])
    return Step(
        State.COMPLETED,
        p,
        [
            *effects,
            Say(
                "Thank you, that's everything. Your answers are saved. "
                "Type `withdraw` at any time to delete them."
            ),
        ],
    )


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
    return Step(State.SURVEYING, p, [Say(closing), survey_say(study.survey[0])])


def _terminal_note(state: State) -> str:
    return {
        State.COMPLETED: "This interview is complete, thank you. Type `withdraw` to delete your answers.",
        State.DECLINED: "You chose not to take part. Type `start` if you change your mind.",
        State.STOPPED: "This interview was stopped. Type `start` to begin again, or `withdraw` to delete "
        "what you said.",
        State.WITHDRAWN: "You withdrew and your data was deleted. Type `start` to take part again.",
        State.EXPIRED: "This interview has closed. Type `start` to begin again.",
    }[state]


def _command(study: Study, state: State, p: Progress, name: str) -> Step:
    if name == "help":
        return Step(state, p, [Say(HELP)])
    if name == "mydata":
        return Step(state, p, [SendOwnData()])
    if name == "start":
        if reopens(state, p):
            return _take_part_after_all(study, p)
        if state in TERMINAL:
            return Step(state, p, [StartOver()])
        return Step(
            state, p, [Say("We are already under way; just reply to continue. Type `help` for options.")]
        )
    if name == "withdraw":
        if state is State.WITHDRAWN:
            return Step(state, p, [Say("Your data was already deleted.")])
        p.confirming_withdraw = True
        return Step(state, p, [current_prompt(study, state, p)])  # type: ignore[list-item]
    if name == "pause":
        if state in TERMINAL or state is State.PAUSED:
            return Step(state, p, [Say("There is nothing to pause right now.")])
        p.paused_from = state.value
        return Step(
            State.PAUSED,
            p,
            [Say("Paused. Reply whenever you are ready and we will pick up where we left off.")],
        )
    if name == "resume":
        if state is not State.PAUSED:
            return Step(state, p, [Say("We are not paused; just reply to continue.")])
        resumed = State(p.paused_from or State.INTERVIEWING)
        p.paused_from = None
        again = current_prompt(study, resumed, p)
        effects: list[Effect] = [Say("Welcome back.")]
        if again:
            effects.append(again)
        elif resumed is State.INTERVIEWING:
            effects.append(RepeatQuestion())
        return Step(resumed, p, effects)
    if name in ("optout", "optin"):
        confirm = Say(OPTOUT_TEXT if name == "optout" else OPTIN_TEXT)
        return Step(state, p, [SetOptOut(name == "optout"), confirm])
    if name == "snooze" or name.startswith("snooze "):
        return _snooze(state, p, name.partition(" ")[2] or DEFAULT_SNOOZE)
    # stop
    p.confirming_withdraw = False  # a withdrawal waiting for its yes or no is not carried out
    if state in TERMINAL:
        return Step(state, p, [Say("There is nothing running to stop.")])
    p.awaiting_move = False
    return Step(
        State.STOPPED,
        p,
        [
            Say(
                "Stopped. Thank you for your time. What you shared so far is kept; type "
                "`withdraw` if you want it deleted."
            )
        ],
    )


OPTOUT_TEXT = (
    "Done: this bot will send you no more invitations or reminders. "
    "Type `optin` if you ever want to hear about studies again."
)
NOTHING_HELD_TEXT = (
    "You have not taken part in an interview with me, so I hold no answers of yours. "
    "Type `help` to see what I can do."
)
OPTIN_TEXT = "Welcome back: you may receive study invitations again. Type `optout` to stop them."


def _snooze(state: State, p: Progress, arg: str) -> Step:
    try:
        length = parse_duration(arg)
    except ValueError:
        return Step(state, p, [Say("Write how long to snooze, e.g. `snooze 2d`, `snooze 12h`, `snooze 1w`.")])
    if length.days > 60:
        return Step(state, p, [Say("Snooze for at most 60 days, e.g. `snooze 2w`.")])
    if state in TERMINAL:
        return Step(state, p, [Say("There is nothing to snooze right now.")])
    return Step(
        state,
        p,
        [Snooze(arg), Say(f"Snoozed: no reminders for {arg}. Reply whenever you are ready.")],
    )


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
        choice = _match(event.text, prompt)  # type: ignore[union-attr]
    if choice is None:
        return Step(state, p, [Say("Please answer yes or no."), prompt])
    p.confirming_withdraw = False
    if choice.value == "yes":
        p.awaiting_move = False
        return Step(
            State.WITHDRAWN,
            Progress(out_seq=p.out_seq, turn_seq=p.turn_seq),
            [
                MarkAnswered("withdraw", choice.label),
                DeleteData(),
                Say(WITHDRAWN_TEXT),
            ],
        )
    again = current_prompt(study, state, p)
    return Step(
        state,
        p,
        [
            MarkAnswered("withdraw", choice.label),
            Say("Nothing was deleted; let's continue."),
            *([again] if again else []),
        ],
    )
