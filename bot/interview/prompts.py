"""The structured questions of an interview (consent, release, screening, survey, the withdrawal
check) as messages with buttons, and how a typed answer is matched to a button."""

from __future__ import annotations

from bot.interview.command_words import yes_or_no
from bot.interview.conversation import NO, YES, Progress, Say, State
from bot.interview.locales import texts_for
from bot.interview.texts import NOT_NOW
from bot.messages import Choice
from bot.studies.study import Study, SurveyItem


def is_not_now(value: str | None) -> bool:
    """True for the value of an invitation's "Not now" button."""
    return bool(value and value.startswith(NOT_NOW))


def survey_say(study: Study, item: SurveyItem) -> Say:
    texts = texts_for(study.language)
    text = item.question
    if item.kind == "scale7":
        choices: tuple[Choice, ...] = tuple(Choice(str(n), str(n)) for n in range(1, 8))
        text += "\n" + texts.scale_ends.format(low=item.low_label, high=item.high_label)
    elif item.kind == "yesno":
        choices = texts.yes_no_choices
    else:
        choices = ()
    return Say(text, choices, f"survey:{item.id}")


def consent_say(study: Study) -> Say:
    texts = texts_for(study.language)
    ask = "" if study.consent.text.rstrip().endswith("?") else f"\n\n{texts.ask_consent}"
    return Say(f"{study.plan.intro}\n\n{study.consent.text}{ask}", texts.consent_choices, "consent")


def release_say(study: Study) -> Say:
    assert study.consent.release_question
    return Say(study.consent.release_question, texts_for(study.language).release_choices, "release")


def screening_say(study: Study, index: int) -> Say:
    q = study.screening[index]
    choices = tuple(Choice(o, o) for o in q.options) if q.kind == "choice" else ()
    return Say(q.question, choices, f"screen:{q.id}")


def current_prompt(study: Study, state: State, progress: Progress) -> Say | None:
    """The question the participant is expected to answer now, if it is a structured one."""
    if progress.confirming_withdraw:
        texts = texts_for(study.language)
        return Say(texts.withdraw_question, texts.withdraw_choices, "withdraw")
    if state is State.AWAITING_CONSENT:
        return consent_say(study) if progress.consent_step == "participation" else release_say(study)
    if state is State.SCREENING:
        return screening_say(study, progress.screening_index)
    if state is State.SURVEYING:
        return survey_say(study, study.survey[progress.survey_index])
    return None


def match_choice(text: str, say: Say, language: str = "en") -> Choice | None:
    """Typed answers to a button question: the number shown, the label, or the value; a yes or no in
    English or the study's `language` to a yes/no question."""
    t = text.strip().lower().rstrip(".!")
    for choice in say.choices:
        if t in (choice.label.lower(), choice.value.lower()):
            return choice
    if say.prompt in ("consent", "release", "withdraw") or (say.choices and say.choices[0].value == "yes"):
        said = yes_or_no(text, language)
        if t in YES or said is True:
            return say.choices[0]
        if t in NO or said is False:
            return say.choices[1]
    # bounded before int(): a pasted number thousands of digits long is an answer, not an error
    if t.isdigit() and len(t) <= 3 and 1 <= int(t) <= len(say.choices) and not say.choices[0].label.isdigit():
        return say.choices[int(t) - 1]
    return None
