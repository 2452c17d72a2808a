"""The `interviewer` command line: chat, demo, run, study check, db upgrade."""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from bot.cli.stopping import Stop, stoppable, terminable
from bot.cli.terminal import require_open, run_demo, session, study_path
from bot.errors import StudyError
from bot.settings import Settings, get_settings
from bot.text_files import printable

if TYPE_CHECKING:
    from bot.interview.texts import Texts

app = typer.Typer(
    help="AI-led research interviews in Slack and Discord DMs, and in the terminal.",
    no_args_is_help=True,
    add_completion=False,
)
study_app = typer.Typer(help="Study files.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(study_app, name="study")
app.add_typer(db_app, name="db")
err = Console(stderr=True)
STUDY_HELP = "Study file, or the id of a study in STUDIES_DIR (default: DEFAULT_STUDY, ai-at-work)."


@app.callback()
def _options(
    debug: bool = typer.Option(
        False, "--debug", help="On an error, show the traceback; show library warnings (any position)."
    ),
) -> None:
    """`--debug` is read by bot.cli.errors before the command line is parsed; this declares it for --help."""


def _logging(settings: Settings, quiet: bool) -> None:
    from bot.logs import configure

    configure(settings.log_level, quiet=quiet)  # libraries' bodies and message text stay out of the log


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def chat(
    study: str | None = typer.Option(None, help=STUDY_HELP),
    interviewer: str | None = typer.Option(
        None, help="claude or offline (default: claude if ANTHROPIC_API_KEY is set)."
    ),
    as_: str = typer.Option("you", "--as", help="Your participant name (resume by using it again)."),
) -> None:
    """Be interviewed in the terminal."""
    if not as_.strip() or len(as_) > 64 or not as_.isprintable():
        raise _fail(f"--as {as_[:70]!r}: give a name of 1 to 64 printable characters, e.g. --as sam")
    settings = get_settings()
    _logging(settings, quiet=True)
    chosen = _study_or_default(study, settings)
    notes: list[Texts] = []  # the study's fixed texts, once it is loaded: the participant's notes use them

    async def main() -> None:
        from adapters.console import chat as run_chat

        async with session(settings, chosen, interviewer, as_) as (runtime, console):
            await require_open(runtime, console, "chat")  # before the participant is told anything
            notes.append(console.sender.texts)
            name, database = runtime.engine.interviewer.name, settings.database_shown
            err.print(f"[dim]Interviewer: {name}. Database: {database}.[/dim]")
            err.print(
                console.sender.texts.terminal_hint, style="dim", markup=False, highlight=False, soft_wrap=True
            )
            await run_chat(console)

    try:
        _run(main)
    except typer.Exit as exc:
        if exc.exit_code == 130:  # Ctrl-C: what was typed is stored, as after Ctrl-D
            from bot.interview.locales import ENGLISH

            err.print(
                f"\n{(notes or [ENGLISH])[0].interrupted}", markup=False, highlight=False, soft_wrap=True
            )
        raise


@app.command()
def demo(
    study: str | None = typer.Option(None, help=STUDY_HELP),
    interviewer: str | None = typer.Option(None, help="claude or offline."),
) -> None:
    """A whole interview with a scripted participant, printed as a transcript."""
    settings = get_settings()
    _logging(settings, quiet=True)
    chosen = _study_or_default(study, settings)
    _run(lambda: run_demo(settings, chosen, interviewer))


def _study_or_default(study: str | None, settings: Settings) -> str:
    """--study as given, else the file of DEFAULT_STUDY (a missing one is named as that setting)."""
    return study if study is not None else str(study_path(settings.default_study, settings, "DEFAULT_STUDY"))


@app.command()
def run(
    slack: bool = typer.Option(
        False, "--slack", help="Start the Slack bot (default: if SLACK_BOT_TOKEN is set)."
    ),
    discord: bool = typer.Option(
        False, "--discord", help="Start the Discord bot (default: if DISCORD_TOKEN is set)."
    ),
    http: bool = typer.Option(
        False,
        "--http",
        help="Slack in HTTP mode (behind a load balancer) instead of Socket Mode; implies --slack.",
    ),
    port: int | None = typer.Option(
        None, "--port", min=1, max=65535, help="Port for Slack's HTTP mode (default 3000)."
    ),
    host: str | None = typer.Option(None, "--host", help="Address for Slack's HTTP mode (default 0.0.0.0)."),
) -> None:
    """Start what is configured: the Slack and/or Discord bot, else an interview in the terminal."""
    port, host = _http_address(http, port, host)
    settings = get_settings()
    if not (slack or discord):
        slack = settings.slack_bot_token is not None or settings.slack_distributed
        discord = settings.discord_token is not None
    slack = slack or http  # HTTP mode is Slack's: asked for, it is Slack or a line saying what is missing
    if not (slack or discord):
        study_path(settings.default_study, settings, "DEFAULT_STUDY")  # the study the terminal runs
        if not sys.stdin.isatty():
            typer.echo(
                "No Slack or Discord tokens and no terminal on standard input: running the scripted demo.",
                err=True,
            )
            demo(study=settings.default_study, interviewer=None)
            return
        chat(study=settings.default_study, interviewer=None, as_="you")
        return
    _require_set_up(settings, slack=slack, discord=discord, http=http)
    _logging(settings, quiet=False)

    async def main() -> None:
        from bot.runtime import Runtime, settle_memory

        async with terminable(), Runtime.start(settings) as runtime:
            settle_memory()
            jobs = []
            if slack:
                from adapters.slack.run import serving

                jobs.append(await serving(runtime, http=http, port=port, host=host))
            if discord:
                from adapters.discord.client import serve as serve_discord

                jobs.append(serve_discord(runtime))
            with runtime.running_scheduler():  # the one periodic loop: invitations, reminders, catch-up
                try:
                    await asyncio.gather(*(stoppable(job) for job in jobs))
                except Stop as stop:  # raised here, the exit runs every cleanup of this block first
                    raise SystemExit(stop.code) from None

    _run(main)


def _http_address(http: bool, port: int | None, host: str | None) -> tuple[int, str]:
    """Where Slack's HTTP mode listens; refused without --http (Socket Mode and Discord listen on none)."""
    if (port is not None or host is not None) and not http:
        raise typer.BadParameter("is for Slack's HTTP mode: add --http", param_hint="--port/--host")
    return port or 3000, host or "0.0.0.0"


def _require_set_up(settings: Settings, *, slack: bool, discord: bool, http: bool) -> None:
    """Refuse, before the database and scheduler start, a platform asked for without its tokens, and a
    DEFAULT_STUDY naming no study (people who DM the bot uninvited would quietly get another one)."""
    if "default_study" in settings.model_fields_set:
        study_path(settings.default_study, settings, "DEFAULT_STUDY")
    if slack:
        from adapters.slack.run import check_settings

        check_settings(settings, http=http)
    if discord and (settings.discord_token is None or not settings.discord_token.get_secret_value().strip()):
        raise SystemExit(
            "DISCORD_TOKEN is not set. Create a bot in the Discord Developer Portal (Bot > Reset "
            "Token) and put DISCORD_TOKEN=... in the environment or .env; see docs/discord.md."
        )


discord_app = typer.Typer(help="Discord set-up helpers.", no_args_is_help=True)
app.add_typer(discord_app, name="discord")

from bot.cli.export import register as _register_data_commands  # noqa: E402  (export, import, audit)

_register_data_commands(app)


@discord_app.command("invite-url")
def discord_invite_url(
    application_id: str | None = typer.Option(
        None, help="Your application's id (default: read from DISCORD_TOKEN)."
    ),
) -> None:
    """Print the link that installs the bot on a server with exactly the permissions it needs."""
    from adapters.discord.setup import application_id_from_token, invite_url

    settings = get_settings()
    if application_id is None:
        if settings.discord_token is None:
            raise _fail("give --application-id (Developer Portal > General Information) or set DISCORD_TOKEN")
        try:
            application_id = application_id_from_token(settings.discord_token.get_secret_value())
        except ValueError as exc:
            raise _fail(str(exc)) from None
    if not application_id.isdigit():
        raise _fail(
            f"{application_id!r} is not an application id; it is a long number like 1234567890123456789"
        )
    try:
        typer.echo(invite_url(application_id))
    except ValueError as exc:
        raise _fail(str(exc)) from None


@study_app.command("check")
def study_check(files: list[Path] = typer.Argument(..., help="Study YAML files.")) -> None:
    """Validate study files; every problem names the file, the field and how to fix it."""
    from bot.interview.locales import fixed_text_note
    from bot.studies.study import load_study

    failed = missing = 0
    for path in files:
        if not path.exists():  # nothing to check: the command was given a wrong path (exit 2, not 1)
            missing += 1
            typer.echo(
                f"error: {printable(path)}: no such file; give the path of a study YAML file (see studies/)",
                err=True,
            )
            continue
        try:
            study = load_study(path)
        except StudyError as exc:
            failed += 1
            for line in exc.problems:
                typer.echo(line, err=True)
            continue
        typer.echo(
            f"{printable(path)}: ok ({study.id}, {len(study.plan.topics)} topics, plan {study.plan_hash[:12]})"
        )
        note = fixed_text_note(study.language)
        if note:  # a warning, not an error: the study runs, with English buttons and help
            typer.echo(f"warning: {printable(path)}: {note}", err=True)
        if path.stem != study.id:  # commands take the id, so a file named otherwise is easy to mistake
            typer.echo(
                f"note: {printable(path)}: its id is {study.id!r}, not {path.stem!r}; commands take the id "
                f"(`interviewer export {study.id}`); rename the file to {study.id}.yaml to avoid confusion",
                err=True,
            )
    if missing or failed:
        raise typer.Exit(2 if missing else 1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (done automatically on start as well)."""
    from bot.storage import Store

    settings = get_settings()

    async def main() -> None:
        store = Store(settings.database_url)
        try:
            await store.upgrade()
        finally:
            await store.close()

    _run(main)
    typer.echo(f"database is up to date: {settings.database_shown}")


def _run(factory: Callable[[], Coroutine[Any, Any, object]]) -> None:
    try:
        asyncio.run(factory())  # a StudyError is reported by bot.cli.errors, its last line as "error:"
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


from bot.cli.problems import register as _register_problems  # noqa: E402  (db problems)

_register_problems(db_app)

from bot.cli.plan import register as _register_planning  # noqa: E402  (it needs `app` defined)

_register_planning(app)

from bot.cli.schedule import register as _register_schedule  # noqa: E402  (invite, schedule show)

_register_schedule(app)

from bot.cli.validate import register as _register_validate  # noqa: E402  (validate)

_register_validate(app)

from bot.cli.analysis import register as _register_analysis  # noqa: E402  (analyze)

_register_analysis(app)

from bot.cli.codebook import register as _register_codebook  # noqa: E402  (codebook draft, label, agree)

_register_codebook(app)

from bot.cli.purge import register as _register_purge  # noqa: E402  (db purge)

_register_purge(db_app)


def main() -> None:
    from bot.cli.errors import run as run_reporting_errors

    _help_as_paragraphs(app)
    run_reporting_errors(app)


def _help_as_paragraphs(group: typer.Typer) -> None:
    """Each command's help (its docstring) as whole paragraphs: the rich help screen joins the lines of
    the first paragraph only and printed the rest with the source's line breaks, mid-sentence."""
    for command in group.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback is not None else None)
        if doc:
            paragraphs = inspect.cleandoc(doc).split("\n\n")
            command.help = "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _help_as_paragraphs(sub.typer_instance)


if __name__ == "__main__":
    main()

from bot.cli.doctor import register as _register_doctor  # noqa: E402  (interviewer doctor)

_register_doctor(app)
