"""Which of the bot's messages a withdrawal queues for deletion from the platform, and which it leaves."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.messages import RETRACTION, Address, Inbound, utcnow
from bot.records.retention import purge
from bot.runtime import Runtime
from bot.storage.models import AuditEntry, OutboxRow
from tests.support.helpers import Console, settings_for, start_runtime, write_study
from tests.support.outreach import FakeSender

ANNE = Address("slack", "T1", "UANNE")


async def rows(runtime: Runtime) -> list[OutboxRow]:
    async with runtime.store.session() as s:
        return list((await s.exec(select(OutboxRow).order_by(col(OutboxRow.id)))).all())


async def withdrawal_audits(runtime: Runtime) -> list[AuditEntry]:
    async with runtime.store.session() as s:
        found = await s.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "withdrawal").order_by(col(AuditEntry.id))
        )
        return list(found.all())


class Participant:
    """A Slack participant whose messages go straight to the engine; the bot's go to a recording sender."""

    def __init__(self, runtime: Runtime, sender: FakeSender):
        self.runtime, self.sender, self._n = runtime, sender, itertools.count(1)

    async def say(self, *lines: str) -> None:
        for line in lines:
            await self.runtime.engine.receive(Inbound(ANNE, f"e{next(self._n)}", text=line))
            await self.runtime.engine.drain()


async def test_a_withdrawal_queues_each_sent_message_once_and_never_its_own_confirmation(
    database_url: str, tmp_path: Path
) -> None:
    """A second withdrawal in the same study queues only what was sent since; the first confirmation,
    sent after the first erasure, stays. Retention and purge queue nothing."""
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    sender = FakeSender()
    async with start_runtime(settings_for(database_url, studies)) as runtime:
        runtime.engine.register_sender("slack", sender)
        anne = Participant(runtime, sender)
        await anne.say("hi", "1", "1", "1", "I draft reports with it every week.", "withdraw", "1")
        assert "has been deleted" in sender.sent[-1].text
        first = await rows(runtime)
        retractions = [r for r in first if r.purpose == RETRACTION]
        sent_before = [r for r in first if r.purpose != RETRACTION and r.id < retractions[0].id]
        assert len(retractions) == len(sent_before) > 3
        assert all(r.platform_message_id is None for r in sent_before), "the id moved to its retraction"
        assert {r.key for r in retractions} == {f"retract:{r.id}" for r in sent_before}
        confirmation = first[-1]
        assert confirmation.purpose == "reply" and confirmation.platform_message_id

        await runtime.engine.tick()  # what the scheduler does every few seconds
        deleted = {message_id for _, message_id in sender.deleted}
        assert len(sender.deleted) == len(deleted) == len(retractions), "each message deleted once"
        assert confirmation.platform_message_id not in deleted

        await anne.say("start", "withdraw", "1")
        second = [r for r in await rows(runtime) if r.purpose == RETRACTION and r.id > first[-1].id]
        keys = {r.key for r in second}
        assert f"retract:{confirmation.id}" not in keys, "the confirmation of a withdrawal stays"
        assert second and all(r.interview_id != confirmation.interview_id for r in second)
        await runtime.engine.tick()
        done = [r for r in await rows(runtime) if r.purpose == RETRACTION]
        assert {r.status for r in done} == {"sent"}
        assert all(r.platform_message_id is None for r in done), "no id kept once deleted"
        assert len(sender.deleted) == len({m for _, m in sender.deleted}) == len(done)
        audits = await withdrawal_audits(runtime)
        assert [a.detail["platform_messages"] for a in audits] == [len(retractions), len(second)]

        count = len(await rows(runtime))
        await purge(runtime.store, "pilot-study", utcnow() + timedelta(days=1), cache_dir=None)
        assert len(await rows(runtime)) == count, "a purge deletes nothing on the platform"


async def test_a_withdrawal_in_the_terminal_queues_no_deletions(database_url: str, tmp_path: Path) -> None:
    """A terminal keeps no message the bot could take back: nothing is queued, and the audit says 0."""
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    async with start_runtime(settings_for(database_url, studies)) as runtime:
        c = Console(runtime, name="local")
        for line in ["hi", "1", "1", "1", "I draft reports with it every week.", "withdraw", "1"]:
            await c.say(line)
        assert "has been deleted" in c.texts[-1]
        assert [r for r in await rows(runtime) if r.purpose == RETRACTION] == []
        assert [a.detail["platform_messages"] for a in await withdrawal_audits(runtime)] == [0]
