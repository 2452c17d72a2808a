"""A German study in the terminal, end to end: `interviewer chat` started as a process, a whole interview
typed on its stdin, and what it prints read back. Every fixed text the bot writes itself (buttons, help,
the standard survey, the closing, and the terminal's own labels and notes) is German, and no English one
appears."""

from __future__ import annotations

import os
import re
import selectors
import signal
import string
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

import yaml

from bot.interview.locales import ENGLISH, texts_for
from bot.interview.texts import Texts
from bot.studies.study import STANDARD_SURVEY, standard_survey
from tests.support.cli import cli_env

BIN = Path(sys.executable).parent / "interviewer"
GERMAN = texts_for("de")


def german_study() -> dict[str, Any]:
    """A study written in German that leaves the survey to the bot (the standard one)."""
    return {
        "id": "arbeit-und-ki",
        "title": "KI am Arbeitsplatz",
        "audience": "Mitglieder der Gewerkschaft",
        "language": "de",
        "research_goal": "Verstehen, wie Beschäftigte KI-Werkzeuge bei der Arbeit nutzen.",
        "consent": {
            "text": "Dies ist ein kurzes Forschungsinterview. Sie können jede Frage überspringen.",
            "release_question": "Dürfen wir Ihr anonymisiertes Transkript veröffentlichen?",
        },
        "screening": [
            {"id": "rolle", "question": "Was ist Ihre Rolle?", "options": ["Technik", "Verwaltung", "Andere"]}
        ],
        "plan": {
            "intro": "Guten Tag, ich bin ein KI-Interviewer.",
            "budget": {"minutes": 12, "max_questions": 8},
            "topics": [
                {
                    "id": "aufgaben",
                    "goal": "Aufgaben",
                    "question": "Wofür nutzen Sie KI-Werkzeuge?",
                    "priority": "must",
                },
                {
                    "id": "vertrauen",
                    "goal": "Vertrauen",
                    "question": "Wie prüfen Sie die Ergebnisse?",
                    "priority": "must",
                },
            ],
            "closing": "Vielen Dank, das waren alle meine Fragen.",
        },
        "support": "Wenn Sie das belastet, sprechen Sie bitte mit einer Person Ihres Vertrauens.",
    }


ANSWERS = [
    "hilfe",  # the help, while the consent question is open
    "1",  # Ja, ich stimme zu
    "1",  # Ja, gerne (publication)
    "1",  # Technik
    "Ich nutze die Werkzeuge vor allem für Entwürfe von Berichten und für Zusammenfassungen langer Protokolle.",
    "Ich lese jedes Ergebnis selbst gegen, vergleiche es mit den Quellen und frage im Zweifel Kollegen.",
    "5",  # how satisfied
    "6",  # how well captured
    "ja",  # would recommend: typed in German
]


def _fragments(text: str) -> list[str]:
    """The literal pieces of a text between its placeholders, long enough to be telling."""
    pieces = [literal for literal, *_ in string.Formatter().parse(text)]
    return [" ".join(p.split()) for p in pieces if len(" ".join(p.split())) >= 12]


def _german_study_file(tmp_path: Path) -> Path:
    path = tmp_path / "arbeit-und-ki.yaml"
    path.write_text(yaml.safe_dump(german_study(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _chat(tmp_path: Path, typed: list[str]) -> subprocess.CompletedProcess[str]:
    """`interviewer chat` on the German study as "mara", the lines `typed` on its stdin, then its end."""
    return subprocess.run(
        [str(BIN), *CHAT, str(_german_study_file(tmp_path))],
        input="".join(f"{line}\n" for line in typed),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=cli_env(tmp_path, PSEUDONYM_KEY="console-language"),
        timeout=120,
    )


CHAT = ["chat", "--interviewer", "offline", "--as", "mara", "--study"]


def _english_fragments() -> list[tuple[str, str]]:
    english = [(f.name, piece) for f in fields(Texts) for piece in _fragments(getattr(ENGLISH, f.name))]
    return english + [("survey", item.question) for item in STANDARD_SURVEY]


def test_a_german_study_in_the_terminal_reads_german_throughout(tmp_path: Path) -> None:
    chat = _chat(tmp_path, ANSWERS)
    assert chat.returncode == 0, chat.stderr
    out = " ".join(chat.stdout.split())  # the terminal wraps long lines

    consent, release = GERMAN.consent_choices, GERMAN.release_choices
    for label in (consent[0].label, consent[1].label, release[0].label, GERMAN.yes, GERMAN.no):
        assert f"] {label}" in out, label
    assert " ".join(GERMAN.help.split()) in out
    assert GERMAN.ask_consent in out
    survey = standard_survey("de")
    assert survey[0].question in out and f"(1 = {survey[0].low_label}, 7 = {survey[0].high_label})" in out
    assert survey[2].question in out
    assert " ".join(GERMAN.completed_text.split()) in out
    assert GERMAN.input_closed not in out, "the interview ended at its German closing text"
    assert chat.stdout.count(f"{GERMAN.data_you}: ") == len(ANSWERS), "the prompt before each answer"
    assert " ".join(GERMAN.terminal_hint.split()) in " ".join(chat.stderr.split())

    found = [(name, piece) for name, piece in _english_fragments() if piece in out + chat.stderr]
    assert not found, found
    assert not re.search(r"\] (Yes|No)\b", out), "no English button"
    assert "You: " not in chat.stdout, "no English label"


def test_the_terminals_own_notes_on_leaving_and_resuming_are_german(tmp_path: Path) -> None:
    """Input that ends mid-interview, and the next start showing where it stopped: the terminal's own
    words, not the interview's, in the study's language."""
    left = _chat(tmp_path, ANSWERS[:2])  # the help, then the consent: the publication question is open
    assert left.returncode == 0, left.stderr
    assert left.stdout.rstrip().endswith(GERMAN.input_closed), left.stdout[-300:]
    resumed = _chat(tmp_path, [])
    assert resumed.returncode == 0, resumed.stderr
    out = resumed.stdout
    assert out.count(GERMAN.reshown) == 1 and f"{GERMAN.reshown}\n{GERMAN.data_interviewer}: " in out, out
    assert f"] {GERMAN.release_yes}" in out, "the open question, with its buttons to answer by number"
    assert out.rstrip().endswith(f"{GERMAN.data_you}: \n{GERMAN.input_closed}"), out[-300:]
    assert ENGLISH.reshown not in out and ENGLISH.input_closed not in out and "You: " not in out
    found = [(name, piece) for name, piece in _english_fragments() if piece in " ".join(out.split())]
    assert not found, found


def _read_until(stream: IO[bytes], marker: bytes) -> bytes:
    """What a process writes to `stream` up to and including `marker` (it then waits for input); the
    selector's timeout only keeps a broken run from hanging the suite."""
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while marker not in seen:
            assert selector.select(timeout=120), f"no {marker!r} in {seen[-300:]!r}"
            chunk = os.read(stream.fileno(), 4096)
            assert chunk, f"the output ended before {marker!r}: {seen[-300:]!r}"
            seen += chunk
    return seen


def test_ctrl_c_in_a_german_chat_is_answered_in_german(tmp_path: Path) -> None:
    command = [str(BIN), *CHAT, str(_german_study_file(tmp_path))]
    env = cli_env(tmp_path, PSEUDONYM_KEY="console-language")
    pipe = subprocess.PIPE
    with subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe, cwd=tmp_path, env=env) as chat:
        assert chat.stdout is not None
        shown = _read_until(chat.stdout, f"{GERMAN.data_you}: ".encode())  # the consent question is open
        chat.send_signal(signal.SIGINT)
        _, err = chat.communicate(timeout=60)
    assert chat.returncode == 130, err
    assert GERMAN.ask_consent.encode() in shown
    note = " ".join(err.decode().split())
    assert GERMAN.interrupted in note and ENGLISH.interrupted not in note, note
