"""`interviewer plan draft|review|approve|versions|diff` and `interviewer pilot`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

from bot.cli.outputs import file_problem
from bot.errors import InterviewerUnavailable
from bot.settings import Settings, get_settings
from bot.text_files import printable

if TYPE_CHECKING:  # imported by the commands, so that `--help` loads nothing heavy
    from bot.pilot.run import Answerer, Exchange, PilotReport
    from bot.storage import Store
    from bot.storage.models import StudyVersion
    from bot.studies.planning.review import Finding
    from bot.studies.study import Study

T = TypeVar("T")
MAX_VERSION = (
    2**31 - 1
)  # plan versions are numbered from 1; a larger number is no version (and no SQL integer)

plan_app = typer.Typer(help="Draft, review and approve study plans.", no_args_is_help=True)
out = Console()


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _load(path: Path) -> Study:
    from bot.studies.study import load_study

    return load_study(path)  # a StudyError is reported by bot.cli.errors, its last line as "error:"


@plan_app.command("draft")
def draft(
    goal: str = typer.Option(..., help="The research goal, in a sentence or two."),
    audience: str = typer.Option(..., help="Who takes part, e.g. 'secondary school teachers'."),
    hypothesis: list[str] = typer.Option([], "--hypothesis", help="What you expect to find (repeatable)."),
    minutes: int = typer.Option(12, min=2, max=90, help="Interview length in minutes."),
    out_path: Path = typer.Option(..., "--out", help="Where to write the study file, e.g. studies/new.yaml."),
    template: bool = typer.Option(False, "--template", help="Write the commented template even with a key."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Draft a study file: Claude writes it when ANTHROPIC_API_KEY is set, else a commented template."""
    from bot.studies.planning.draft import Brief, draft_template, draft_with_claude, slug_for

    if not goal.strip():
        raise _fail("--goal is empty; say in a sentence or two what the study should find out")
    if not audience.strip():
        raise _fail("--audience is empty; say who takes part, e.g. --audience 'secondary school teachers'")
    if out_path.exists() and not force:
        raise _fail(f"{printable(out_path)} exists; choose another --out or add --force")
    brief = Brief(slug_for(out_path.stem), goal, audience, list(hypothesis), minutes)
    settings = get_settings()
    if settings.anthropic_api_key and not template:
        from bot.studies.planning.claude import PlanningClaude

        async def main() -> str:
            claude = PlanningClaude(settings)
            try:
                return (await draft_with_claude(brief, claude, str(out_path)))[1]
            finally:
                await claude.aclose()

        try:
            text, how = asyncio.run(main()), "Claude's draft"
        except InterviewerUnavailable as exc:
            raise _fail(f"{exc}; or run again with --template for an offline template", 1) from None
    else:
        text, how = draft_template(brief, str(out_path))[1], "a template (no ANTHROPIC_API_KEY)"
    from bot.text_files import write_text_atomic

    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_path, text)  # with --force, a failed write keeps the study file that was there
    typer.echo(f"wrote {how} to {printable(out_path)}")
    typer.echo(
        f"next: interviewer plan review {printable(out_path)}   then   interviewer plan approve "
        f"{printable(out_path)} --by NAME"
    )


@plan_app.command("review")
def review_cmd(
    file: Path = typer.Argument(..., help="The study file."),
    claude: bool = typer.Option(
        True, "--claude/--no-claude", help="Add Claude's critique when a key is set."
    ),
) -> None:
    """List problems in the plan, each with where it is and a suggested fix. Exit 1 when there are any."""
    from bot.studies.planning.review import critique, review

    study = _load(file)
    findings = review(study)
    settings = get_settings()
    if claude and settings.anthropic_api_key:
        from bot.studies.planning.claude import PlanningClaude

        async def main() -> list[Finding]:
            client = PlanningClaude(settings)
            try:
                return await critique(study, client)
            finally:
                await client.aclose()

        try:
            findings += asyncio.run(main())
        except InterviewerUnavailable as exc:
            typer.echo(f"note: no Claude critique ({exc}); rule-based findings only", err=True)
    if not findings:
        typer.echo(f"{printable(file)}: no problems found")
        return
    for f in findings:
        tag = " [claude]" if f.source == "claude" else ""
        typer.echo(f"{printable(file)}: {f.where}:{tag} {f.problem}\n    suggestion: {f.suggestion}")
    typer.echo(f"{len(findings)} problem(s)")
    raise typer.Exit(1)


def _with_store(work: Callable[[Store], Awaitable[T]]) -> T:
    from bot.storage import Store

    async def main() -> T:
        store = Store(get_settings().database_url)
        try:
            await store.upgrade()
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())


@plan_app.command("approve")
def approve_cmd(
    file: Path = typer.Argument(..., help="The study file."),
    by: str = typer.Option(..., "--by", help="Who approves (name or handle), stored with the version."),
) -> None:
    """Freeze the file's plan as an approved version (content hash, approver, time)."""
    from bot.studies.planning import approval

    if not by.strip() or len(by) > 100 or not by.isprintable():  # no escapes, no bidi overrides
        raise _fail(
            f"--by {by[:40]!r}: give a name or handle of 1 to 100 printable characters, e.g. --by sam"
        )
    _load(file)
    try:
        result = _with_store(lambda store: approval.approve(store, file, by))
    except ValueError as exc:
        raise _fail(str(exc)) from None
    row = result.version
    if result.newly:
        typer.echo(f"approved {row.study_id} {approval.describe(row)}")
    else:
        typer.echo(f"{row.study_id} is already approved: {approval.describe(row)}")


@plan_app.command("versions")
def versions_cmd(file: Path = typer.Argument(..., help="The study file.")) -> None:
    """List every recorded version of the study (the file's current content is recorded first)."""
    from bot.studies.planning import approval

    _load(file)

    async def work(store: Store) -> tuple[StudyVersion, list[StudyVersion]]:
        study, current = await approval.record(store, file)
        return current, await approval.versions(store, study.id)

    current, rows = _with_store(work)
    for row in rows:
        mark = "  <- this file" if row.version == current.version else ""
        typer.echo(f"{approval.describe(row)}{mark}")


@plan_app.command("diff")
def diff_cmd(
    file: Path = typer.Argument(..., help="The study file."),
    from_: int | None = typer.Option(
        None, "--from", min=1, max=MAX_VERSION, help="Old version (default: the latest approved one)."
    ),
    to: int | None = typer.Option(
        None, "--to", min=1, max=MAX_VERSION, help="New version (default: the file as it is now)."
    ),
) -> None:
    """Show what changed between two versions of a study, as a unified diff."""
    from bot.studies.planning import approval

    _load(file)

    async def work(store: Store) -> tuple[StudyVersion, StudyVersion, str]:
        study, current = await approval.record(store, file)
        rows = await approval.versions(store, study.id)
        new = await approval.version(store, study.id, to) if to else current
        if from_:
            return await approval.version(store, study.id, from_), new, ""
        approved = [r for r in rows if r.approved_at is not None and r.version != new.version]
        earlier = [r for r in rows if r.version < new.version]
        if approved:
            return approved[-1], new, ""
        if not earlier:  # nothing to compare with: say so, rather than "no changes between v1 and v1"
            return new, new, f"v{new.version} is the only version of {study.id!r}, and it is not approved yet"
        return earlier[-1], new, f"no other version of {study.id!r} is approved; compared with the one before"

    try:
        old, new, note = _with_store(work)
    except LookupError as exc:
        raise _fail(str(exc)) from None
    if note:
        typer.echo(f"note: {note}", err=True)
    if old.version == new.version and note:
        return
    text = approval.diff_versions(old, new)
    typer.echo(text if text else f"no changes between v{old.version} and v{new.version}")


def pilot(
    file: Path = typer.Argument(..., help="The study file."),
    participants: int = typer.Option(5, "--participants", min=1, max=500, help="Simulated interviews."),
    personas: Path | None = typer.Option(None, help="YAML list of personas for Claude to play."),
    replay: Path | None = typer.Option(None, help="CSV of real transcripts (transcript_id,text) to replay."),
    report: Path = typer.Option(Path("pilot-report.md"), help="Where to write the markdown report."),
    interviewer: str | None = typer.Option(None, help="claude or offline (default: claude if a key is set)."),
) -> None:
    """Run simulated interviews through the real engine and report coverage, length and flagged turns."""
    from bot.pilot.report import markdown, print_report
    from bot.pilot.run import load_personas, load_transcripts

    if personas and replay:
        raise _fail("give either --personas or --replay, not both")
    study = _load(file)
    settings = get_settings()
    if personas and not settings.anthropic_api_key:
        raise _fail("--personas needs ANTHROPIC_API_KEY (Claude plays them); or use --replay data.csv")
    if replay is None and not settings.anthropic_api_key:
        typer.echo(
            "note: no ANTHROPIC_API_KEY and no --replay: answers come from the demo's scripted participant",
            err=True,
        )
    problem = file_problem(report, "--report")
    if problem:  # before the simulated interviews (which may be paid for), not after
        raise _fail(problem)
    try:
        transcripts = load_transcripts(replay) if replay else None
        persona_list = load_personas(personas) if personas else None
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from None

    main = _pilot_run(settings, file, study, interviewer, transcripts, persona_list, participants)
    result = asyncio.run(main)
    print_report(result, out)
    from bot.text_files import write_text_atomic

    write_text_atomic(report, markdown(result))
    typer.echo(f"report written to {report}")


def register(app: typer.Typer) -> None:
    """Add the planning commands to the main `interviewer` app."""
    app.add_typer(plan_app, name="plan")
    app.command("pilot")(pilot)


async def _pilot_run(
    settings: Settings,
    file: Path,
    study: Study,
    interviewer: str | None,
    transcripts: dict[str, list[Exchange]] | None,
    persona_list: list[tuple[str, str]] | None,
    participants: int,
) -> PilotReport:
    import secrets

    from bot.pilot.run import PersonaAnswerer, ReplayAnswerer, ScriptedAnswerer, run_pilot
    from bot.runtime import Runtime, make_interviewer

    fast = settings.model_copy(update={"coalesce_seconds": 0.0})  # no one types: no quiet window
    chosen = make_interviewer(settings, interviewer)
    claude = None
    async with Runtime.start(fast, interviewer=chosen, study_paths=[file]) as runtime:
        answerer: Answerer
        if transcripts is not None:
            answerer = ReplayAnswerer(transcripts)
        elif settings.anthropic_api_key:
            from bot.studies.planning.claude import PlanningClaude

            claude = PlanningClaude(settings)
            answerer = PersonaAnswerer(claude, study, persona_list)
        else:
            answerer = ScriptedAnswerer()
        try:
            return await run_pilot(runtime.engine, study, answerer, participants, run_id=secrets.token_hex(4))
        finally:
            if claude is not None:
                await claude.aclose()
