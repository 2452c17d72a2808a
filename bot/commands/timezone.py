"""`/interviewer timezone Europe/Berlin`: the zone invitations and reminders use for the person asking."""

from __future__ import annotations

from bot.commands.access import Actor, UsageError
from bot.engine.engine import Engine
from bot.engine.preferences import set_timezone
from bot.outreach.timing import area_city_as_listed


async def timezone_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError()
    name = area_city_as_listed(args[0])  # `europe/berlin` is meant as Europe/Berlin
    if name is None:
        return (
            f"{args[0]!r} is not an IANA time zone. Write it as Area/City, e.g. "
            "`/interviewer timezone Europe/Berlin` or `America/New_York`."
        )
    await set_timezone(engine.store, actor.address, name)
    return f"Your time zone is now {name}; invitations and reminders will arrive in its daytime."
