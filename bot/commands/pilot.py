"""`/interviewer pilot <study>`: a researcher is interviewed in their own DM, as a marked pilot."""

from __future__ import annotations

from bot.commands.registry import Actor, role_in
from bot.engine.engine import Engine
from bot.messages import Inbound

PILOT_USAGE = "/interviewer pilot <study>"


async def pilot_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    if len(args) != 1:
        return f"Usage: `{PILOT_USAGE}`"
    study = engine.catalog.get(args[0])
    if study is None:
        known = ", ".join(f"`{i}`" for i in engine.catalog.ids()) or "none"
        return f"There is no study `{args[0]}`. Known studies: {known}."
    if role_in(engine, study, actor) != "researcher":
        return (
            f"Only the researchers named in `{study.id}` can pilot it; ask its lead researcher to add "
            f"you ({actor.access_id}) to `researchers`."
        )
    interview_id = await engine.open_pilot(actor.address, study.id)
    await engine.receive(
        Inbound(actor.address, f"pilot-command:{interview_id}", text="hello", interview_id=interview_id)
    )
    version = engine.catalog.current(study.id).version
    return (
        f"Starting a pilot interview of *{study.title}* (plan v{version}) in your direct messages. "
        "It is marked as a pilot, so status counts and exports leave it out. Type `stop` to end it early."
    )
