"""`interviewer export`, `interviewer import` and `interviewer audit`: the researcher's data commands."""

from __future__ import annotations

import asyncio
import getpass
import logging
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from bot.cli.errors import clipped, list_problems
from bot.cli.study_files import readable_study_paths
from bot.errors import StudyError
from bot.settings import get_settings
from bot.text_files import printable

if TYPE_CHECKING:  # imported by the commands, so that `--help` loads nothing heavy
    from bot.commands.export import ExportRequest
    from bot.runtime import Starting
    from bot.storage import Store


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli:unknown"


def _runtime() -> Starting:
    """The runtime of a data command: it reads one study's data (`readable_study_paths`)."""
    from bot.interviewer.scripted import OfflineInterviewer
    from bot.runtime import Runtime

    settings = get_settings()
    paths = readable_study_paths(settings)
    return Runtime.start(settings, interviewer=OfflineInterviewer(), study_paths=paths)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def unknown_study(study: str, known: Iterable[str]) -> typer.Exit:
    """The error every data command stops with for a study id that is not among the `known` ones."""
    return _fail(f"there is no study {clipped(study)!r}; known: {', '.join(sorted(set(known))) or 'none'}")


def require_study(study: str, known: Iterable[str]) -> None:
    """Stop with `unknown_study` unless `study` is among the `known` study ids."""
    ids = set(known)
    if study not in ids:
        raise unknown_study(study, ids)


async def known_studies(store: Store, studies_dir: Path) -> set[str]:
    """The studies with a readable file in `studies_dir` and those the database holds anything of (its
    plan versions, interviews or audit entries): a study whose file was removed can still be audited and
    purged."""
    import sqlalchemy as sa
    from sqlmodel import col

    from bot.storage.models import AuditEntry, Interview, StudyVersion
    from bot.studies.study import find_studies, load_study

    known: set[str] = set()
    for path in find_studies(studies_dir):
        try:
            known.add(load_study(path).id)
        except StudyError:  # a broken file hides no data: its study is still in the database if used
            continue
    stored = sa.union(
        sa.select(col(StudyVersion.study_id)),
        sa.select(col(Interview.study_id)),
        sa.select(col(AuditEntry.study_id)),
    )
    async with store.connection() as conn:
        known.update((await conn.execute(stored)).scalars())
    return known


def _run(coro: Coroutine[Any, Any, object]) -> None:
    asyncio.run(coro)  # a StudyError is reported by bot.cli.errors, its last line as "error:"


def export_cmd(
    study: str = typer.Argument(..., help="The study id."),
    format: str = typer.Option(
        "jsonl",
        "--format",
        "-f",
        help="jsonl, csv, markdown (a zip; one document if --out ends in .md or is -) or qdpx.",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output file, or - for standard output (default: <study>-<time>.<ext>)."
    ),
    since: str | None = typer.Option(
        None, help="Only interviews started on or after this date (YYYY-MM-DD)."
    ),
    group: str | None = typer.Option(None, help="Only this answer to the study's group question."),
    include_incomplete: bool = typer.Option(False, help="Also stopped, expired and running interviews."),
    public: bool = typer.Option(False, "--public", help="Only participants who consented to public release."),
    include_pilot: bool = typer.Option(False, help="Also pilot interviews."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Raw text: only with your ethics approval."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file."),
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
        request = parse_export_args(args, allow_raw=True)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    replacing = out is not None and str(out) != "-" and not str(out).startswith("/dev/") and out.is_file()
    if out is not None and replacing and not force:  # a device or a pipe is written to, not replaced
        link = f" (a link to {printable(out.resolve())})" if out.is_symlink() else ""
        raise _fail(f"{printable(out)} exists{link}; choose another --out, or add --force to replace it")
    _run(_export(request, out, include_pilot))


async def _export(request: ExportRequest, out: Path | None, include_pilot: bool) -> None:
    from dataclasses import replace

    from bot.commands.export import audit_detail, export_filter
    from bot.records.export import default_name, export

    study = request.study_id
    async with _runtime() as runtime:
        found = runtime.catalog.get(study)
        if found is None:
            raise unknown_study(study, runtime.catalog.ids())
        path = out or Path(default_name(study, request.fmt))
        if str(path) == "-":  # the usual spelling of standard output
            path = Path("/dev/stdout")
        try:
            flt = replace(export_filter(found, request), include_pilot=include_pilot)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        detail = {"path": str(path), **audit_detail(request), "include_pilot": include_pilot}
        log = _ExportLog(runtime.store, study, detail)
        await log.write("started")  # before any file: an export that writes one is always audited
        try:
            result = await export(
                runtime.store,
                flt,
                request.fmt,
                path,
                redacted=request.redacted,
                confirm=lambda done: log.write("ok", interviews=done.interviews, bytes=done.bytes),
            )
        except Exception as exc:
            await log.failed(exc)
            raise
        to_file = path.is_file()  # else standard output, a pipe or a device: keep the summary out of it
        where = path if to_file or str(path) != "/dev/stdout" else "standard output"
        typer.echo(f"{result.interviews} interview(s) written to {printable(where)}", err=not to_file)


class _ExportLog:
    """The audit entries of one export from the command line: `started`, then `ok` or `failed`."""

    def __init__(self, store: Store, study: str, detail: dict[str, object]):
        self.store, self.study, self.detail = store, study, detail

    async def write(self, outcome: str, **more: object) -> None:
        from bot.records import audit

        await audit.record(self.store, self.study, _actor(), "export", outcome, **self.detail, **more)

    async def failed(self, exc: Exception) -> None:
        """Record the failure if the database takes it (it may be what failed); never hide `exc`."""
        try:
            await self.write("failed", reason=_failure_reason(exc))
        except Exception:
            # DEBUG: a warning would print a traceback under the command's one error line
            logging.getLogger(__name__).debug("the failed export could not be audited", exc_info=True)


def _failure_reason(exc: BaseException) -> str:
    """Why an export failed, for the audit log: the kind of error, never a message that could hold
    participants' words."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    code = getattr(getattr(exc, "orig", None), "sqlite_errorname", None)
    return f"{type(exc).__name__} {code}" if code else type(exc).__name__


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
    from bot.records.importer import DUPLICATES, ImportReport, Target, import_csv

    if duplicates not in DUPLICATES:
        raise _fail(f"--duplicates {duplicates!r} is not one of: {', '.join(DUPLICATES)}")

    async def main() -> None:
        async with _runtime() as runtime:
            require_study(study, runtime.catalog.ids())
            current = runtime.catalog.current(study)
            target = Target(study, current.version, current.plan_hash, runtime.engine.pseudonyms)
            report = ImportReport()

            def counts() -> dict[str, object]:
                found = {"imported": report.imported, "skipped": report.skipped}
                return {"file": csv_file.name, **found, "problems": len(report.problems)}

            try:
                await import_csv(runtime.store, csv_file, target, duplicates, report)
            except (asyncio.CancelledError, KeyboardInterrupt):  # Ctrl-C: each batch so far is committed
                await audit.record(runtime.store, study, _actor(), "import", "interrupted", **counts())
                typer.echo(
                    f"interrupted: {report.imported} transcript(s) imported into {study} so far; run the "
                    "same command again to import the rest (those already there are skipped)",
                    err=True,
                )
                raise typer.Exit(130) from None
            await audit.record(runtime.store, study, _actor(), "import", "ok", **counts())
        list_problems(csv_file, report.problems)
        if report.other_columns:  # e.g. the screening and survey columns of a CSV export
            shown = ", ".join(report.other_columns[:8]) + (" ..." if len(report.other_columns) > 8 else "")
            typer.echo(f"note: only transcript_id and text are imported; left out: {shown[:300]}", err=True)
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
        settings = get_settings()
        store = Store(settings.database_url)
        try:
            await store.upgrade()
            require_study(study, await known_studies(store, settings.studies_dir))
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
