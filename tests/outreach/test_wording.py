"""Invitations, reminders and their buttons in the study's language; a study's own wording is kept."""

from __future__ import annotations

from bot.interview.locales import ENGLISH, texts_for
from bot.outreach.due_work import reminder_text
from bot.outreach.wording import MAIN, buttons, invitation_text
from bot.studies.study import parse_study
from tests.support.helpers import small_study

GERMAN = texts_for("de")


def test_a_german_studys_invitation_reminders_and_buttons() -> None:
    study = parse_study(small_study(language="de"), "study.yaml")
    assert [c.label for c in buttons(study)] == [GERMAN.take_part, GERMAN.not_now_label]
    assert invitation_text(study, MAIN) == GERMAN.invitation.format(title=study.title)
    invited = reminder_text(study, 1, None, invited_only=True)
    assert invited.startswith("Eine freundliche Erinnerung (1)") and GERMAN.opt_out_line in invited
    waiting = reminder_text(study, 2, "Wofür nutzen Sie KI?", invited_only=False)
    assert "Hier hatten wir aufgehört: Wofür nutzen Sie KI?" in waiting and "`stopp`" in waiting
    for text in (invited, waiting):
        assert "gentle reminder" not in text and "Where we left off" not in text


def test_a_studys_own_button_label_and_text_are_kept() -> None:
    own = {"text": "Machen Sie mit!", "button_label": "Mitmachen"}
    study = parse_study(small_study(language="de", invitation=own), "study.yaml")
    assert [c.label for c in buttons(study)] == ["Mitmachen", GERMAN.not_now_label]
    assert invitation_text(study, MAIN) == "Machen Sie mit!"


def test_an_english_study_is_unchanged() -> None:
    study = parse_study(small_study(), "study.yaml")
    assert [c.label for c in buttons(study)] == ["Take part", "Not now"]
    assert reminder_text(study, 1, None, invited_only=True).startswith("A gentle reminder (1)")
    assert ENGLISH.opt_out_line == "Not interested? Type `optout`; busy? type `snooze 2d`."
