"""A choice whose value is too long for a Slack button (2,000 characters) turns the buttons into numbered
options to type, with a line saying so in the participant's language."""

from __future__ import annotations

from adapters.slack.blocks import BUTTON_VALUE_LIMIT, numbered, render
from bot.interview.locales import BY_LANGUAGE, ENGLISH, texts_for
from bot.messages import Address, Choice, Outbound

WHO = Address("slack", "T1", "UANNA")
LONG = "Teilzeit, " * (BUTTON_VALUE_LIMIT // 10 + 1)


def _question(*options: str) -> Outbound:
    choices = tuple(Choice(o, o) for o in options)
    return Outbound("k", WHO, "Was ist Ihre Rolle?", choices, prompt="screen:rolle", interview_id=7)


def test_a_value_too_long_for_a_button_is_a_numbered_option_with_the_line_in_the_language_given() -> None:
    message = _question("Technik", LONG)
    assert numbered(message)
    [post] = render(message, texts_for("de"))
    assert post.blocks is None, "no buttons"
    assert post.text.startswith("Was ist Ihre Rolle?\n\n1. Technik\n2. Teilzeit, ")
    assert post.text.endswith(f"\n_{texts_for('de').reply_with_number}_")
    assert ENGLISH.reply_with_number not in post.text
    assert render(message)[-1].text.endswith(f"\n_{ENGLISH.reply_with_number}_"), "English by default"


def test_buttons_that_fit_carry_no_line_of_the_adapters_own() -> None:
    message = _question("Technik", "Verwaltung")
    assert not numbered(message) and not numbered(Outbound("k", WHO, "Danke."))
    [post] = render(message, texts_for("de"))
    assert post.blocks is not None and post.text == "Was ist Ihre Rolle?"


def test_every_language_says_it_in_one_short_line() -> None:
    for code, texts in BY_LANGUAGE.items():
        line = texts.reply_with_number
        assert "\n" not in line and "_" not in line and len(line) < 60, code
