"""Which of the bot's messages a withdrawal queues for deletion from the platform, and which it leaves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.messages import RETRACTION, utcnow
from bot.records.retention import purge
from bot.storage.models import OutboxRow
from tests.support.helpers import Console, settings_for, start_runtime, write_study


async def rows(runtime) -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    async with runtime.store.session() as s:
        return list((await s.exec(select(OutboxRow).order_by(col(OutboxRow.id)))).all())


async def test_a_withdrawal_queues_each_sent_message_once_and_never_its_own_confirmation(
    database_url: str, tmp_path: Path
) -> None:
    """A second withdrawal in the same study queues only what was sent since; the first confirmation,
    sent after the first erasure, stays. Retention and purge queue nothing."""
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    async with start_runtime(settings_for(database_url, studies)) as runtime:
        c = Console(runtime, name="twice")
        for line in ["hi", "1", "1", "1", "I draft reports with it every week.", "withdraw", "1"]:
            await c.say(line)
        assert "has been deleted" in c.texts[-1]
        first = await rows(runtime)
        retractions = [r for r in first if r.purpose == RETRACTION]
        sent_before = [r for r in first if r.purpose != RETRACTION and r.id < retractions[0].id]
        assert len(retractions) == len(sent_before) > 3
        assert all(r.platform_message_id is None for r in sent_before), "the id moved to its retraction"
        assert {r.key for r in retractions} == {f"retract:{r.id}" for r in sent_before}
        confirmation = first[-1]
        assert confirmation.purpose == "reply" and confirmation.platform_message_id

        for line in ["start", "withdraw", "1"]:
            await c.say(line)
        second = [r for r in await rows(runtime) if r.purpose == RETRACTION and r.id > first[-1].id]
        keys = {r.key for r in second}
        assert f"retract:{confirmation.id}" not in keys, "the confirmation of a withdrawal stays"
        assert second and all(r.interview_id != confirmation.interview_id for r in second)
        await runtime.engine.tick()  # what the scheduler does every few seconds
        done = [r for r in await rows(runtime) if r.purpose == RETRACTION]
        assert {r.status for r in done} == {"sent"}, "the terminal's deletions are no-ops, done at once"
        assert all(r.platform_message_id is None for r in done), "no id kept once deleted"

        count = len(await rows(runtime))
        await purge(runtime.store, "pilot-study", utcnow() + timedelta(days=1), cache_dir=None)
        assert len(await rows(runtime)) == count, "a purge deletes nothing on the platform"
