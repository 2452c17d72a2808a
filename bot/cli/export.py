"""`interviewer export`, `interviewer import` and `interviewer audit`: the researcher's data commands."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from bot.errors import StudyError
from bot.settings import get_settings

if TYPE_CHECKING:  # imported by the commands, so that `--help` loads nothing heavy
    from bot.commands.export import ExportRequest
    from bot.runtime import Starting


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli:unknown"


def _runtime() -> Starting:
    from bot.interviewer.scripted import OfflineInterviewer
    from bot.runtime import Runtime

    return Runtime.start(get_settings(), interviewer=OfflineInterviewer())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _run(coro: Coroutine[Any, Any, object]) -> None:
    try:
        asyncio.run(coro)
    except StudyError as exc:
        for line in exc.problems:
            typer.echo(line, err=True)
        raise typer.Exit(2) from None


def export_cmd(
    study: str = typer.Argument(..., help="The study id."),
    format: str = typer.Option("jsonl", "--format", "-f", help="jsonl, csv, markdown (zip) or qdpx."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output file (default: <study>-<time>.<ext>)."),
    since: str | None = typer.Option(
        None, help="Only interviews started on or after this date (YYYY-MM-DD)."
    ),
    group: str | None = typer.Option(None, help="Only this answer to the study's group question."),
    include_incomplete: bool = typer.Option(False, help="Also stopped, expired and running interviews."),
    public: bool = typer.Option(False, "--public", help="Only participants who consented to public release."),
    include_pilot: bool = typer.Option(False, help="Also pilot interviews."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Raw text: only with your ethics approval."),
) -> None:
    """Export a study's consented transcripts (redacted, pseudonymous) to a file."""
    from bot.commands.export import parse_export_args
    from bot.records.export import FORMATS

    if format not in FORMATS:
        raise _fail(f"--format {format!r} is not one of: {', '.join(FORMATS)}")
    args = [study, format]
    args += ["--since", since] if since else []
    args += ["--group", group] if group else []
    args += ["--include-incomplete"] if include_incomplete else []
    args += ["--public"] if public else []
    args += ["--no-redact"] if no_redact else []
    try:
        request = parse_export_args(args)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _run(_export(request, out, include_pilot))


async def _export(request: ExportRequest, out: Path | None, include_pilot: bool) -> None:
    from dataclasses import replace

    from bot.commands.export import audit_detail, export_filter
    from bot.records import audit
    from bot.records.export import default_name, export

    study = request.study_id
    async with _runtime() as runtime:
        found = runtime.catalog.get(study)
        if found is None:
            raise _fail(f"there is no study {study!r}; known: {', '.join(runtime.catalog.ids()) or 'none'}")
        path = out or Path(default_name(study, request.fmt))
        try:
            flt = replace(export_filter(found, request), include_pilot=include_pilot)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        result = await export(runtime.store, flt, request.fmt, path, redacted=request.redacted)
        await audit.record(
            runtime.store,
            study,
            _actor(),
            "export",
            "ok",
            interviews=result.interviews,
            path=str(path),
            **audit_detail(request),
        )
        typer.echo(f"{result.interviews} interview(s) written to {path}")


def import_cmd(
    csv_file: Path = typer.Argument(..., help="transcript_id,text CSV (UTF-8, or UTF-16 with a BOM)."),
    study: str = typer.Option(..., "--study", help="The study the transcripts belong to."),
    duplicates: str = typer.Option(
        "report",
        "--duplicates",
        help="A transcript_id with different texts: report (import none of them), first or last.",
    ),
) -> None:
    """Import transcripts in the Anthropic Interviewer dataset layout into a study."""
    from bot.records import audit
    from bot.records.importer import Target, import_csv

    async def main() -> None:
        async with _runtime() as runtime:
            if runtime.catalog.get(study) is None:
                raise _fail(
                    f"there is no study {study!r}; known: {', '.join(runtime.catalog.ids()) or 'none'}"
                )
            current = runtime.catalog.current(study)
            target = Target(study, current.version, current.plan_hash, runtime.engine.pseudonyms)
            report = await import_csv(runtime.store, csv_file, target, duplicates)
            await audit.record(
                runtime.store,
                study,
                _actor(),
                "import",
                "ok",
                file=csv_file.name,
                imported=report.imported,
                skipped=report.skipped,
                problems=len(report.problems),
            )
        for problem in report.problems:
            typer.echo(f"{csv_file}:{problem}", err=True)
        typer.echo(
            f"imported {report.imported} transcript(s) into {study}; {report.skipped} already there; "
            f"{report.repeated} repeated row(s) read once; {report.chose_between} id(s) with several texts "
            f"chosen by --duplicates; {len(report.problems)} problem(s)"
        )
        if report.problems:
            raise typer.Exit(1)

    _run(main())


def audit_cmd(study: str = typer.Argument(..., help="The study id.")) -> None:
    """Show who exported or imported a study's transcripts, and every refused attempt."""
    from bot.records import audit
    from bot.storage import Store

    async def main() -> None:
        store = Store(get_settings().database_url)
        try:
            await store.upgrade()
            rows = await audit.entries(store, study, limit=10_000)
        finally:
            await store.close()
        if not rows:
            typer.echo(f"no audit entries for {study}")
        for row in rows:
            typer.echo(audit.describe(row))

    _run(main())


def register(app: typer.Typer) -> None:
    """Add the three commands to the main `interviewer` app."""
    app.command("export")(export_cmd)
    app.command("import")(import_cmd)
    app.command("audit")(audit_cmd)
