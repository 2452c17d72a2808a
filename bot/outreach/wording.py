"""What an invitation says, in the study's language: its text (the study's own, else a standard one) and
its "Take part" and "Not now" buttons."""

from __future__ import annotations

from bot.interview.locales import texts_for
from bot.interview.texts import NOT_NOW
from bot.messages import Choice
from bot.studies.study import Study

MAIN = "main"
DEFAULT_BUTTON = "Take part"  # a study file's `invitation.button_label` when it names none


def invitation_text(study: Study, wave: str) -> str:
    texts = texts_for(study.language)
    if wave != MAIN:
        found = next((w for w in study.schedule.waves if w.id == wave), None)
        intro = found.intro if found and found.intro else None
        return intro or texts.wave_invitation.format(title=study.title)
    if study.invitation is None:
        return texts.invitation.format(title=study.title)
    return study.invitation.text


def buttons(study: Study) -> tuple[Choice, ...]:
    """ "Take part" (value: the study id) and "Not now" on every invitation and channel post, in the
    study's language; a study's own `button_label` is kept."""
    texts = texts_for(study.language)
    label = study.invitation.button_label if study.invitation else DEFAULT_BUTTON
    return (
        Choice(texts.take_part if label == DEFAULT_BUTTON else label, study.id),
        Choice(texts.not_now_label, NOT_NOW + study.id),
    )
