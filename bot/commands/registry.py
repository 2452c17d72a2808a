"""`/interviewer <command>`: the one table of commands with their usage lines, and running one.

Commands answer the person who ran them only, the same on every platform; an adapter passes the text
after `/interviewer` to `execute` and shows the answer.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.commands.access import Actor, Later, Refused, UsageError
from bot.commands.audit import audit_command
from bot.commands.export import export_command
from bot.commands.invite import invite_command
from bot.commands.pilot import pilot_command
from bot.commands.status import status_command, studies_command
from bot.commands.timezone import timezone_command
from bot.engine.engine import Engine
from bot.messages import Address

Handler = Callable[[Engine, Actor, list[str]], Awaitable[str]]


@dataclass(frozen=True)
class Command:
    usage: str  # what follows `/interviewer`, with the arguments
    does: str  # one line for `help`
    run: Handler
    example: str = ""  # what follows `/interviewer` in a worked example, when the usage needs one
    usage_on: dict[str, str] = field(default_factory=dict)  # a platform's own usage, where it differs

    def usage_for(self, platform: str | None) -> str:
        return self.usage_on.get(platform or "", self.usage)

    def usage_answer(self, why: str = "", platform: str | None = None) -> str:
        """The answer to arguments that do not fit: why (if known), then the usage line."""
        example = f", e.g. `/interviewer {self.example}`." if self.example else ""
        usage = self.usage_for(platform)
        return (f"{why} " if why else "") + f"Usage: `/interviewer {usage}`" + example


async def execute(engine: Engine, actor: Address, text: str, *, later: Later | None = None) -> str:
    """Run one command line (the text after `/interviewer`) and return the reply to show the actor only.
    `later` answers the actor again after that, where the platform allows (see `Actor`)."""
    try:
        words = shlex.split(text.strip())
    except ValueError:
        return f"I could not read that command (unbalanced quotes?). {usage_lines()}"
    if not words:
        return help_text(actor.platform)
    name, args = words[0].lower(), words[1:]
    command = COMMANDS.get(name)
    if command is None:
        return f"Unknown command `{name}`. {usage_lines(actor.platform)}"
    try:
        return await command.run(engine, Actor(actor, later), args)
    except Refused as refused:
        return str(refused)
    except UsageError as wrong:
        return command.usage_answer(str(wrong), actor.platform)


def usage_lines(platform: str | None = None) -> str:
    return "Usage: " + " | ".join(f"`/interviewer {c.usage_for(platform)}`" for c in COMMANDS.values())


def help_text(platform: str | None = None) -> str:
    """What the bot does and its commands, as they are typed on `platform`."""
    lines = [f"• `/interviewer {c.usage_for(platform)}`: {c.does}" for c in COMMANDS.values()]
    return (
        "*interviewer* runs research interviews in direct messages.\n"
        + "\n".join(lines)
        + "\nParticipants: send the bot a direct message to take part; they can type `help`, `pause`, "
        "`stop` or `withdraw` at any time."
    )


async def _help(engine: Engine, actor: Actor, args: list[str]) -> str:
    return help_text(actor.address.platform)


COMMANDS: dict[str, Command] = {
    "help": Command("help", "what this bot does, and these commands", _help),
    "studies": Command("studies", "the studies you can manage", studies_command),
    "status": Command("status <study>", "how far a study has got", status_command),
    "export": Command(
        "export <study> [jsonl|csv|markdown|qdpx] [--since YYYY-MM-DD] [--group G] [--include-incomplete] "
        "[--public]",
        "transcripts to your direct messages (researchers)",
        export_command,
    ),
    "audit": Command(
        "audit <study>", "who exported or imported a study's transcripts (researchers)", audit_command
    ),
    "invite": Command(
        "invite <study> #channel | members:#channel | role:@Role [confirm]",
        "post an invitation in a channel, or invite a channel's or a role's members",
        invite_command,
        # Slack lists a channel's members and has no roles; Discord's slash command takes `to:`, and
        # lists a role's members but not a channel's
        usage_on={
            "slack": "invite <study> #channel | members:#channel [confirm]",
            "discord": "invite <study> to:#channel | to:role:@Role [confirm:True]",
        },
    ),
    "timezone": Command(
        "timezone <Area/City>",
        "your time zone, so invitations and reminders arrive in your daytime",
        timezone_command,
        example="timezone Europe/Berlin",
    ),
    "pilot": Command(
        "pilot <study>", "be interviewed yourself, as a pilot kept out of counts (researchers)", pilot_command
    ),
}
