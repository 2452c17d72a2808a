"""The study files a data command (export, audit, analyze, codebook) reads: another study's broken file is
named on standard error and left out rather than stopping the command (the bot itself refuses to start
with one: `interviewer study check` says what is wrong)."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.errors import StudyError
from bot.settings import Settings
from bot.text_files import printable


def readable_study_paths(settings: Settings) -> list[Path] | None:
    """The readable study files of `STUDIES_DIR`; None when there are none (the runtime's default)."""
    from bot.studies.study import find_studies, load_study

    readable = []
    for path in find_studies(settings.studies_dir) if settings.studies_dir.is_dir() else []:
        try:
            load_study(path)
        except StudyError as exc:
            typer.echo(
                f"note: {printable(path)} left out ({len(exc.problems)} problem(s); `interviewer study check`)",
                err=True,
            )
            continue
        readable.append(path)
    return readable or None
