"""A German study in the terminal, end to end: `interviewer chat` started as a process, a whole interview
typed on its stdin, and what it prints read back. Every fixed text the bot writes itself (buttons, help,
the standard survey, the closing) is German, and no English one appears."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

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


def test_a_german_study_in_the_terminal_reads_german_throughout(tmp_path: Path) -> None:
    path = tmp_path / "arbeit-und-ki.yaml"
    path.write_text(yaml.safe_dump(german_study(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    chat = subprocess.run(
        [str(BIN), "chat", "--study", str(path), "--interviewer", "offline", "--as", "mara"],
        input="\n".join(ANSWERS) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=cli_env(tmp_path, PSEUDONYM_KEY="console-language"),
        timeout=120,
    )
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
    assert "(Input closed" not in out, "the interview ended at its German closing text"

    english = [(f.name, piece) for f in fields(Texts) for piece in _fragments(getattr(ENGLISH, f.name))]
    english += [("survey", item.question) for item in STANDARD_SURVEY]
    found = [(name, piece) for name, piece in english if piece in out]
    assert not found, found
    assert not re.search(r"\] (Yes|No)\b", out), "no English button"
