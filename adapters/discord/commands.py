"""`/interviewer` as Discord application commands: each one becomes the same command line the other
platforms send, answered by `bot.commands` through the client."""

from __future__ import annotations

import shlex
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.receive import participant
from bot.messages import Address


class CommandRunner(Protocol):
    async def run_command(
        self, interaction: discord.Interaction[Any], line: str, actor: Address | None = None
    ) -> None: ...


def command_group(client: CommandRunner) -> app_commands.Group:
    """The `/interviewer` group and its subcommands, each answered by `client.run_command`."""
    group = app_commands.Group(
        name="interviewer", description="Research interviews: your studies and progress"
    )
    _add_reading(group, client)
    _add_export(group, client)
    _add_inviting(group, client)
    return group


def _add_reading(group: app_commands.Group, client: CommandRunner) -> None:
    @group.command(name="help", description="What this bot does and how to use it")
    async def help_command(interaction: discord.Interaction) -> None:
        await client.run_command(interaction, "help")

    @group.command(name="studies", description="The studies you can manage")
    async def studies_command(interaction: discord.Interaction) -> None:
        await client.run_command(interaction, "studies")

    @group.command(name="status", description="How far a study has got")
    @app_commands.describe(study="The study id, e.g. ai-at-work")
    async def status_command(interaction: discord.Interaction, study: str) -> None:
        await client.run_command(interaction, f"status {shlex.quote(study)}")

    @group.command(name="audit", description="Who exported or imported a study's transcripts (researchers)")
    @app_commands.describe(study="The study id")
    async def audit_command(interaction: discord.Interaction, study: str) -> None:
        await client.run_command(interaction, f"audit {shlex.quote(study)}")

    @group.command(name="pilot", description="Be interviewed yourself, as a pilot kept out of counts")
    @app_commands.describe(study="The study id")
    async def pilot_command(interaction: discord.Interaction, study: str) -> None:
        # run as the DM participant: the researcher's replies in the DM then reach the pilot interview
        who = participant(interaction.user.id)
        await client.run_command(interaction, f"pilot {shlex.quote(study)}", who)


def _add_export(group: app_commands.Group, client: CommandRunner) -> None:
    @group.command(name="export", description="Send a study's transcripts to your DMs (researchers)")
    @app_commands.describe(
        study="The study id",
        format="jsonl, csv, markdown or qdpx",
        since="Only interviews started on or after YYYY-MM-DD",
        group="Only this answer to the study's group question",
        include_incomplete="Also stopped, expired and running interviews",
        public="Only transcripts whose participants agreed to publication",
    )
    @app_commands.choices(
        format=[app_commands.Choice(name=f, value=f) for f in ("jsonl", "csv", "markdown", "qdpx")]
    )
    async def export_command(
        interaction: discord.Interaction,
        study: str,
        format: str = "jsonl",
        since: str | None = None,
        group: str | None = None,
        include_incomplete: bool = False,
        public: bool = False,
    ) -> None:
        line = f"export {shlex.quote(study)} {shlex.quote(format)}"
        line += f" --since {shlex.quote(since)}" if since else ""
        line += f" --group {shlex.quote(group)}" if group else ""
        line += " --include-incomplete" if include_incomplete else ""
        line += " --public" if public else ""
        await client.run_command(interaction, line)


def _add_inviting(group: app_commands.Group, client: CommandRunner) -> None:
    @group.command(name="invite", description="Invite people to a study (organizers and researchers)")
    @app_commands.describe(
        study="The study id",
        to="#channel to post the invitation in, or role:@Role to DM the role's members",
        confirm="Go ahead with a large role (the first try says how many DMs and how long)",
    )
    async def invite_command(
        interaction: discord.Interaction, study: str, to: str, confirm: bool = False
    ) -> None:
        line = f"invite {shlex.quote(study)} {shlex.quote(to)}" + (" confirm" if confirm else "")
        await client.run_command(interaction, line)

    @group.command(name="timezone", description="Your time zone, so invitations arrive in your daytime")
    @app_commands.describe(zone="An IANA time zone, e.g. Europe/Berlin or America/New_York")
    async def timezone_command(interaction: discord.Interaction, zone: str) -> None:
        # stored for the member as a participant, whichever server they typed it in
        who = participant(interaction.user.id)
        await client.run_command(interaction, f"timezone {shlex.quote(zone)}", who)
