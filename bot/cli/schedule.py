"""`interviewer invite <study> --roster file.csv` and `interviewer schedule show <study>`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from bot.cli.errors import list_problems
from bot.cli.export import _runtime as _data_runtime
from bot.settings import get_settings
from bot.text_files import printable

if TYPE_CHECKING:  # imported by the commands, so that `--help` loads nothing heavy
    from bot.outreach.roster import Member
    from bot.runtime import Starting

schedule_app = typer.Typer(help="Scheduled invitations, reminders and follow-up waves.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _runtime() -> Starting:
    from bot.runtime import Runtime

    return Runtime.start(get_settings())


def invite_cmd(
    study: str = typer.Argument(..., help="The study id (a file in STUDIES_DIR)."),
    roster: Path = typer.Option(
        ..., "--roster", help="CSV with user_id and optional timezone, group columns."
    ),
    platform: str = typer.Option("slack", "--platform", help="slack or discord."),
    workspace: str = typer.Option(
        "", "--workspace", help="Slack team id (T...); not needed for Discord, whose members are DMed by id."
    ),
) -> None:
    """Invite the members listed in a roster; invitations go out in each member's send window.

    Lines that cannot be read are listed by number and left out; the command then exits with status 1."""
    from bot.outreach.invitations import NotInvitable, invite

    if platform not in ("slack", "discord"):
        raise _fail(f"--platform {platform!r}: use slack or discord")
    if platform == "slack" and not workspace:
        raise _fail(
            "--workspace is required for Slack: the team id (T...) from your workspace's URL or users.info"
        )
    if platform == "slack" and not re.fullmatch(r"[A-Z0-9]{2,32}", workspace or ""):
        raise _fail(
            f"--workspace {(workspace or '')[:40]!r}: give the team id, capital letters and digits (T0123ABCD)"
        )
    # Discord members are addressed by user id in DMs, as when they write to the bot themselves
    members, problems = _roster(roster, platform, "dm" if platform == "discord" else workspace)

    async def main() -> str:
        async with _runtime() as runtime:
            found = runtime.catalog.get(study)
            if found is None:
                raise _fail(f"no study {study!r}; known: {', '.join(runtime.catalog.ids()) or 'none'}")
            try:
                report = await invite(runtime.engine, found, members, source="roster")
            except NotInvitable as exc:
                raise _fail(str(exc)) from None
            return report.text(study)

    typer.echo(_run(main))
    if problems:  # as `interviewer import`: the good lines are done, the status says some were not
        typer.echo(
            f"{len(problems)} roster line(s) skipped; fix them and run the command again (members "
            "already invited are not invited twice)",
            err=True,
        )
        raise typer.Exit(1)


def _roster(roster: Path, platform: str, workspace: str) -> tuple[list[Member], list[str]]:
    """The members `roster` lists and the problems of the lines left out, these listed on standard
    error; stops (exit 2) when the file cannot be read or names nobody to invite."""
    from bot.outreach.invitations import parse_roster
    from bot.text_files import NotText, read_text

    try:
        text = read_text(roster, max_bytes=100 * 2**20, what="a roster CSV with a user_id column")
    except NotText as exc:
        raise _fail(str(exc)) from None
    if not text.strip():
        raise _fail(
            f"{printable(roster)}: the file is empty; write a header line `user_id` (optional: timezone, "
            "group) and one member per line"
        )
    members, problems = parse_roster(text, platform, workspace)
    list_problems(roster, problems)
    if not members:
        raise _fail(
            f"{printable(roster)}: no member to invite; "
            + ("fix the lines above" if problems else "add user_id rows")
        )
    return members, problems


def show_cmd(
    study: str = typer.Argument(..., help="The study id."),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000, help="Show at most this many sends."),
) -> None:
    """List upcoming invitations, reminders and follow-up waves, earliest first (times in UTC)."""
    from bot.outreach.schedule_view import upcoming

    async def main() -> str:
        async with _data_runtime() as runtime:  # another study's broken file does not hide this one's sends
            if runtime.catalog.get(study) is None:
                raise _fail(f"no study {study!r}; known: {', '.join(runtime.catalog.ids()) or 'none'}")
            return await upcoming(runtime.engine, study, limit)

    typer.echo(_run(main))


def _run(factory: Callable[[], Coroutine[Any, Any, object]]) -> str:
    return str(asyncio.run(factory()))  # a StudyError is reported by bot.cli.errors


def register(app: typer.Typer) -> None:
    app.command("invite")(invite_cmd)
    schedule_app.command("show")(show_cmd)
    app.add_typer(schedule_app, name="schedule")
