"""The bot's fixed texts for participants, one module per language; `texts_for` picks a study's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.interview.locales import de, en, es, fr, it, nl, pt
from bot.interview.texts import Texts

if TYPE_CHECKING:
    from bot.studies.study import Study

ENGLISH = en.TEXTS
BY_LANGUAGE: dict[str, Texts] = {
    "en": en.TEXTS,
    "de": de.TEXTS,
    "fr": fr.TEXTS,
    "es": es.TEXTS,
    "pt": pt.TEXTS,
    "it": it.TEXTS,
    "nl": nl.TEXTS,
}
LANGUAGES = tuple(BY_LANGUAGE)


def primary(language: str) -> str:
    """The primary subtag of a language tag, lower case (`pt-BR` -> `pt`)."""
    return language.split("-")[0].strip().lower()


def texts_for(language: str | None) -> Texts:
    """The fixed texts in a study's `language` (a tag like `de` or `pt-BR`); English for any other."""
    return BY_LANGUAGE.get(primary(language or "en"), ENGLISH)


def study_texts(study: Study | None) -> Texts:
    """The fixed texts of `study`'s language; English where no study is known."""
    return texts_for(study.language if study else None)


def fixed_text_note(language: str) -> str | None:
    """A warning for a study whose language has no fixed texts of the bot's own, else None."""
    if primary(language) in BY_LANGUAGE:
        return None
    return (
        f"language {language!r}: the questions and Claude's follow-ups are in it, but the bot's own fixed "
        f"texts (help, buttons, reminders, the standard survey) will be English; they exist in "
        f"{', '.join(LANGUAGES)}"
    )
