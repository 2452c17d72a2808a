"""Command words the way people write them, and the rule that keeps sentences answers (docs/design.md,
"Command words"): the whole message, minus case, accents, punctuation, emoji and polite padding, must be
a command phrase; anything else, however command-like, is an answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.interview.command_words import is_cancel, language_codes, parse_command, yes_or_no
from bot.interview.locales import texts_for
from bot.runtime import Runtime
from bot.storage.models import Interview, Turn
from tests.support.cli import run
from tests.support.helpers import Console, settings_for, start_runtime, write_study

EN = frozenset({"en"})
ALL = language_codes(["en", "de", "fr", "es", "pt-BR", "it", "nl"])

COMMANDS: list[tuple[str, str]] = [
    ("stop", "stop"),
    ("stop.", "stop"),
    ("STOP!!!", "stop"),
    ("Stop please", "stop"),
    ("please stop", "stop"),
    ("/stop", "stop"),
    ("!stop", "stop"),
    ("  stop  ", "stop"),
    ("\u200bstop", "stop"),
    ("ｓｔｏｐ", "stop"),
    ("stop\x00", "stop"),
    ("stop 🙏", "stop"),
    ("quit", "stop"),
    ("Exit.", "stop"),
    ("cancel", "stop"),
    ("end", "stop"),
    ("end the interview", "stop"),
    ("I want to stop", "stop"),
    ("can I stop now?", "stop"),
    ("Pause!", "pause"),
    ("pause please", "pause"),
    ("take a break", "pause"),
    ("resume", "resume"),
    ("continue", "resume"),
    ("I'm back", "resume"),
    ("help", "help"),
    ("help me", "help"),
    ("HELP?", "help"),
    ("help me please", "help"),
    ("withdraw", "withdraw"),
    ("withdraw please", "withdraw"),
    ("please withdraw", "withdraw"),
    ("delete my data", "withdraw"),
    ("Delete my data!", "withdraw"),
    ("remove me", "withdraw"),
    ("forget me", "withdraw"),
    ("withdraw my consent", "withdraw"),
    ("my data", "mydata"),
    ("mydata", "mydata"),
    ("my_data", "mydata"),
    ("show my data", "mydata"),
    ("opt out", "optout"),
    ("opt-out", "optout"),
    ("optout", "optout"),
    ("unsubscribe", "optout"),
    ("Unsubscribe, thanks", "optout"),
    ("opt in", "optin"),
    ("start", "start"),
    ("start over", "start"),
    ("snooze", "snooze"),
    ("snooze 2d", "snooze 2d"),
    ("snooze 2 days", "snooze 2d"),
    ("snooze for 12 hours", "snooze 12h"),
    ("/snooze 1w", "snooze 1w"),
    ("snooze 99999999999d", "snooze ?"),
    ("snooze soon", "snooze ?"),
]
ANSWERS: list[str] = [
    "I want to stop using AI",
    "I would stop using it if it got worse",
    "stop using it",
    "stopping",
    "withdrawal",
    "I can't help it",
    "help with my reports",
    "the end of the day",
    "my data is messy",
    "my data analysis",
    "pause for thought",
    "continue to use it daily",
    "I'd cancel my subscription",
    "start with the drafts",
    "please rewrite this",
    "quitting is not an option",
    "delete my data later maybe, first let me finish my thought about the tools I use every day",
    "no",
    "yes",
    "1",
    "",
    "stop stop stop but also here is a longer answer about my work",
    "exit strategy",
    "opt",
]
LANGUAGES: list[tuple[str, str, str]] = [
    ("aufhören", "de", "stop"),
    ("Stopp, bitte", "de", "stop"),
    ("meine Daten löschen", "de", "withdraw"),
    ("Hilfe", "de", "help"),
    ("arrêter", "fr", "stop"),
    ("supprimer mes données, s'il vous plaît", "fr", "withdraw"),
    ("me désabonner", "fr", "optout"),
    ("¡Basta!", "es", "stop"),
    ("borrar mis datos por favor", "es", "withdraw"),
    ("darme de baja", "es", "optout"),
    ("apagar os meus dados", "pt", "withdraw"),
    ("dimenticami", "it", "withdraw"),
    ("uitschrijven", "nl", "optout"),
]


@pytest.mark.parametrize("text,command", COMMANDS)
def test_commands_are_recognised_as_people_write_them(text: str, command: str) -> None:
    assert parse_command(text, EN) == command


@pytest.mark.parametrize("text", ANSWERS)
def test_sentences_with_command_words_stay_answers(text: str) -> None:
    assert parse_command(text, ALL) is None


@pytest.mark.parametrize("text,language,command", LANGUAGES)
def test_commands_in_the_studys_language(text: str, language: str, command: str) -> None:
    assert parse_command(text, frozenset({language})) == command
    assert parse_command(text, EN) in (None, command), "other languages' words need that study"


def test_the_table_has_at_least_sixty_cases() -> None:
    assert len(COMMANDS) + len(ANSWERS) + len(LANGUAGES) >= 60


@pytest.mark.parametrize("text,expected", [("cancel", True), ("Cancel, please", True), ("stop", False)])
def test_cancel_is_told_apart_from_stop(text: str, expected: bool) -> None:
    assert is_cancel(text) is expected


async def _interviewing(runtime, name: str = "tess") -> Console:  # type: ignore[no-untyped-def]
    c = Console(runtime, name=name)
    await c.session.open()
    for answer in ("1", "1", "2"):
        await c.say(answer)
    return c


async def test_mid_interview_a_sentence_is_an_answer_and_a_padded_command_is_a_command(
    runtime: Runtime,
) -> None:
    c = await _interviewing(runtime)
    await c.say("I want to stop using AI")
    await c.say("stop please")
    assert c.texts[-1].startswith("Stopped.")
    async with runtime.store.session() as s:
        said = (await s.exec(select(Turn.text).where(Turn.role == "participant"))).all()
        state = (await s.exec(select(Interview.state))).one()
    assert list(said) == ["I want to stop using AI"] and state == "stopped"


async def test_delete_my_data_asks_for_confirmation_and_cancel_keeps_the_data(runtime: Runtime) -> None:
    c = await _interviewing(runtime)
    await c.say("I use it for drafting specifications and meeting notes.")
    await c.say("Delete my data!")
    assert "delete everything you told us" in c.texts[-1] and c.last.prompt == "withdraw"
    await c.say("cancel")
    assert any("Nothing was deleted" in t for t in c.texts[-3:])
    async with runtime.store.session() as s:
        turns = (await s.exec(select(Turn).order_by(col(Turn.seq)))).all()
        state = (await s.exec(select(Interview.state))).one()
    assert state == "interviewing" and any(t.role == "participant" for t in turns)


async def test_a_german_study_understands_german_command_words(tmp_path: Path, sqlite_url: str) -> None:
    studies = tmp_path / "de"
    studies.mkdir()
    write_study(studies, language="de")
    async with start_runtime(settings_for(sqlite_url, studies)) as runtime:
        c = await _interviewing(runtime)
        await c.say("Aufhören, bitte")
        assert c.texts[-1] == texts_for("de").stopped_text  # answered in German too


@pytest.mark.parametrize(
    "text,language,expected",
    [
        ("Ja.", "de", True),
        ("nein", "de", False),
        ("Não", "pt-BR", False),
        ("sí", "es", True),
        ("d'accord", "fr", True),
        ("nee", "nl", False),
        ("ja", "en", None),
        ("jain", "de", None),
    ],
)
def test_yes_and_no_in_the_studys_language(text: str, language: str, expected: bool | None) -> None:
    assert yes_or_no(text, language) is expected


def test_a_german_participant_withdraws_and_confirms_in_german(tmp_path: Path) -> None:
    """The confirmation a withdrawal asks for takes the study's yes and no, as its command words do."""
    study = write_study(tmp_path, language="de")
    said = "ja\nnein\nEngineer\nmeine Daten löschen\nnein\nmeine Daten löschen\nJa.\n"
    result = run(["chat", "--study", str(study), "--interviewer", "offline"], tmp_path, stdin=said)
    assert result.returncode == 0, result.stderr
    german = texts_for("de")
    assert german.yes_or_no not in result.stdout and "Please answer yes or no" not in result.stdout
    kept, deleted = result.stdout.index(german.nothing_deleted), result.stdout.index("wurde gelöscht")
    assert kept < deleted, result.stdout
