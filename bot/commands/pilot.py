"""`/interviewer pilot <study>`: a researcher is interviewed in their own DM, as a marked pilot."""

from __future__ import annotations

from bot.commands.access import Actor, UsageError, study_access
from bot.engine.engine import Engine
from bot.messages import Inbound


async def pilot_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError()
    study = study_access(engine, actor, args[0], researchers_only="pilot it").study
    interview_id = await engine.open_pilot(actor.address, study.id)
    await engine.receive(
        Inbound(actor.address, f"pilot-command:{interview_id}", text="hello", interview_id=interview_id)
    )
    version = engine.catalog.current(study.id).version
    return (
        f"Starting a pilot interview of *{study.title}* (plan v{version}) in your direct messages. "
        "It is marked as a pilot, so status counts and exports leave it out. Type `stop` to end it early."
    )
