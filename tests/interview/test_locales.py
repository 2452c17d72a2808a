"""Every language of the bot's fixed texts defines every text, keeps the English placeholders, and names
in backticks only commands that work in that language."""

from __future__ import annotations

import logging
import re
import string
from dataclasses import fields
from pathlib import Path

import pytest

from bot.interview.command_words import PHRASES, language_codes, parse_command
from bot.interview.locales import BY_LANGUAGE, ENGLISH, LANGUAGES, fixed_text_note, texts_for
from bot.interview.texts import Texts
from bot.studies.standard_survey import WORDING
from bot.studies.study import STANDARD_SURVEY, parse_study
from tests.support.cli import run
from tests.support.helpers import settings_for, small_study, start_runtime, write_study

BACKTICKED = re.compile(r"`([^`]+)`")
OTHERS = [code for code in LANGUAGES if code != "en"]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_languages_are_those_command_words_know() -> None:
    assert set(LANGUAGES) == set(PHRASES) == set(WORDING)


@pytest.mark.parametrize("code", OTHERS)
def test_every_text_is_written_with_the_english_placeholders(code: str) -> None:
    texts = BY_LANGUAGE[code]
    for field in fields(Texts):
        english, translated = getattr(ENGLISH, field.name), getattr(texts, field.name)
        assert isinstance(translated, str) and translated.strip(), f"{code}.{field.name} is empty"
        assert _placeholders(translated) == _placeholders(english), f"{code}.{field.name}"
    # a text left in English by mistake (labels such as "No" may rightly be the same word)
    same = [f.name for f in fields(Texts) if getattr(texts, f.name) == getattr(ENGLISH, f.name)]
    assert set(same) <= {"no", "scale_ends", "data_interviewer"}, same


@pytest.mark.parametrize("code", LANGUAGES)
def test_commands_in_backticks_work_in_that_language(code: str) -> None:
    texts, languages = BY_LANGUAGE[code], language_codes([code])
    for field in fields(Texts):
        for said in BACKTICKED.findall(getattr(texts, field.name)):
            if "{" in said:  # a placeholder such as the study id in the `mydata` heading
                continue
            assert parse_command(said, languages) is not None, f"{code}.{field.name}: `{said}`"


@pytest.mark.parametrize("code", LANGUAGES)
def test_help_names_the_five_commands_in_that_language(code: str) -> None:
    named = {parse_command(said, language_codes([code])) for said in BACKTICKED.findall(texts_for(code).help)}
    assert {"pause", "resume", "stop", "withdraw", "mydata", "help"} <= named


def test_a_region_subtag_and_an_unknown_language() -> None:
    assert texts_for("pt-BR") is BY_LANGUAGE["pt"] and texts_for("DE") is BY_LANGUAGE["de"]
    assert texts_for("sv") is ENGLISH and texts_for("") is ENGLISH
    assert fixed_text_note("de-AT") is None
    note = fixed_text_note("sv")
    assert note is not None and "English" in note and "de, fr" in note


def test_the_standard_survey_is_in_the_studys_language() -> None:
    german = parse_study(_no_survey("de"), "de.yaml")
    assert [i.id for i in german.survey] == [i.id for i in STANDARD_SURVEY]
    assert german.survey[0].question.startswith("Wie zufrieden") and german.survey[2].kind == "yesno"
    assert parse_study(_no_survey("pt-BR"), "pt.yaml").survey[1].high_label == "muito bem"
    assert parse_study(_no_survey("en"), "en.yaml").survey == STANDARD_SURVEY
    assert parse_study(_no_survey("sv"), "sv.yaml").survey == STANDARD_SURVEY
    written = parse_study({**_no_survey("de"), "survey": []}, "de.yaml")
    assert written.survey == [], "a study's own survey (here: none) is kept"


def test_study_check_warns_about_a_language_without_fixed_texts(tmp_path: Path) -> None:
    (tmp_path / "sv").mkdir(), (tmp_path / "de").mkdir()
    swedish, german = write_study(tmp_path / "sv", language="sv"), write_study(tmp_path / "de", language="de")
    checked = run(["study", "check", str(swedish), str(german)], tmp_path)
    assert checked.returncode == 0, checked.stderr  # a warning, not an error
    assert checked.stdout.count(": ok (") == 2
    warnings = [line for line in checked.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(swedish) in warnings[0] and "will be English" in warnings[0]


def _no_survey(language: str) -> dict[str, object]:
    data = small_study(language=language)
    data.pop("survey", None)
    return data


async def test_starting_with_such_a_study_logs_the_warning(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    write_study(tmp_path, language="sv")
    with caplog.at_level(logging.WARNING, logger="bot.runtime"):
        async with start_runtime(settings_for(sqlite_url, tmp_path)) as runtime:
            assert runtime.catalog.get("pilot-study") is not None  # it runs, with English fixed texts
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("pilot-study" in m and "will be English" in m for m in warned), warned
