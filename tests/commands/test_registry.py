"""Researcher commands through the platform-neutral layer."""

from __future__ import annotations

from pathlib import Path

from bot.commands.registry import execute
from bot.messages import Address
from bot.runtime import Runtime
from tests.support.helpers import Console, settings_for, start_runtime

RESEARCHER = Address("slack", "T1", "URESEARCH")
ORGANIZER = Address("slack", "T1", "UORGANIZER")
STRANGER = Address("slack", "T1", "USOMEONE")


async def test_status_is_refused_to_non_researchers_and_shown_to_researchers(runtime: Runtime) -> None:
    c = Console(runtime)
    await c.say("hi")
    await c.say("1")
    refused = await execute(runtime.engine, STRANGER, "status pilot-study")
    assert refused.startswith("Sorry, only the researchers") and "slack:USOMEONE" in refused
    shown = await execute(runtime.engine, RESEARCHER, "status pilot-study")
    assert "Tools at work" in shown and "1 interview(s)" in shown and "awaiting consent" in shown
    assert "pilot-study" in await execute(runtime.engine, ORGANIZER, "status pilot-study")


async def test_bad_commands_get_usage_lines(runtime: Runtime) -> None:
    engine = runtime.engine
    assert (await execute(engine, RESEARCHER, "status")) == "Usage: `/interviewer status <study>`"
    assert "Unknown command `frobnicate`" in await execute(engine, RESEARCHER, "frobnicate now")
    assert "There is no study `nope`" in await execute(engine, RESEARCHER, "status nope")
    assert "unbalanced quotes" in await execute(engine, RESEARCHER, 'status "pilot')
    assert "`/interviewer studies`" in await execute(engine, STRANGER, "")
    assert "pilot-study" in await execute(engine, RESEARCHER, "studies")
    assert (await execute(engine, STRANGER, "studies")).startswith("Sorry")


async def test_help_and_usage_show_invite_as_each_platform_takes_it(runtime: Runtime) -> None:
    """Slack lists a channel's members and has no roles; Discord's slash command takes `to:` and lists a
    role's members, not a channel's: neither is offered what it would refuse."""
    engine, member = runtime.engine, Address("discord", "G1", "42")
    slack_help, discord_help = await execute(engine, STRANGER, "help"), await execute(engine, member, "help")
    assert "`/interviewer invite <study> #channel | members:#channel [confirm]`" in slack_help
    assert "role:" not in slack_help
    assert "`/interviewer invite <study> to:#channel | to:role:@Role [confirm:True]`" in discord_help
    assert "members:" not in discord_help
    assert "to:role:@Role" in await execute(engine, member, "invite")  # the usage answer, too


async def test_admins_setting_grants_researcher_access(sqlite_url: str, study_dir: Path) -> None:
    async with start_runtime(
        settings_for(sqlite_url, study_dir, admins="slack:USOMEONE, discord:9")
    ) as runtime:
        assert "Tools at work" in await execute(runtime.engine, STRANGER, "status pilot-study")
