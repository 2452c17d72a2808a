"""`interviewer db purge`: delete participants' content in a study up to a date, as a withdrawal does."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

import typer

from bot.cli.export import _actor, known_studies, require_study
from bot.settings import get_settings


def _date(value: str) -> datetime:
    """The cut-off `--before` names, in UTC: a date (YYYY-MM-DD) or a date and time in ISO 8601."""
    try:
        day = datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value[:60]!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-01-31)", param_hint="--before"
        ) from None
    try:
        return day.astimezone(UTC) if day.tzinfo else day.replace(tzinfo=UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00, before the first representable instant
        raise typer.BadParameter(
            f"{value[:60]!r} is out of range; write a date from 0001-01-02 to 9999-12-30",
            param_hint="--before",
        ) from None


def _shown(cut_off: datetime) -> str:
    """The cut-off as the researcher wrote it: the date, and the time when it is not midnight UTC."""
    if cut_off.time() == datetime.min.time():
        return cut_off.date().isoformat()
    return cut_off.strftime("%H:%M:%S UTC on ") + cut_off.date().isoformat()


def _confirmed(what: str) -> bool:
    """The researcher's answer to the confirmation; with no answer to read (standard input closed or at
    its end, as under cron or a pipe), say how to purge without asking instead of "interrupted"."""
    try:
        return typer.confirm(
            f"Erase the content of {what} (messages, answers, consent answers)? This cannot be undone",
            default=False,
        )
    except typer.Abort:
        if sys.stdin is None or not sys.stdin.isatty():
            typer.echo("", err=True)  # the prompt's line stays open without an answer
            raise SystemExit(
                "no answer to the confirmation (standard input is not a terminal); add --yes to erase "
                "without asking"
            ) from None
        raise  # Ctrl-C at the terminal: interrupted


def purge_cmd(
    study: str = typer.Option(..., "--study", help="The study id."),
    before: str = typer.Option(
        ..., "--before", help="Erase interviews whose last activity was before this date (YYYY-MM-DD, UTC)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Erase what participants wrote and chose in a study's interviews last active before a date."""
    from bot.records.retention import count_due, purge
    from bot.storage import Store

    settings = get_settings()
    cut_off = _date(before)

    async def due() -> int:
        store = Store(settings.database_url)
        try:
            await store.upgrade()
            require_study(study, await known_studies(store, settings.studies_dir))
            return await count_due(store, study, cut_off)
        finally:
            await store.close()

    count = asyncio.run(due())
    if count == 0:
        typer.echo(f"nothing to erase: no interview of {study} was last active before {_shown(cut_off)}")
        return
    what = f"{count} interview(s) of {study} last active before {_shown(cut_off)}"
    if cut_off > datetime.now(UTC):  # allowed (it is how to erase all), but say what it takes in
        what += ", a date still to come: interviews under way now are erased too"
    if not yes and not _confirmed(what):
        typer.echo("nothing erased", err=True)
        raise typer.Exit(1)

    async def run() -> int:
        store = Store(settings.database_url)
        try:
            report = await purge(store, study, cut_off, cache_dir=settings.analysis_cache_dir, actor=_actor())
            return report.interviews
        finally:
            await store.close()

    erased = asyncio.run(run())
    typer.echo(f"erased the content of {erased} interview(s) of {study}; tombstones remain")


def register(db_app: typer.Typer) -> None:
    db_app.command("purge")(purge_cmd)
