"""Queueing and sending outbound messages exactly once: claim a row, send it, record the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import Permanent, RateLimited, Transient, Unreachable
from bot.messages import Address, Choice, Outbound, Sender
from bot.storage import Store
from bot.storage.models import OutboxRow, Participant

log = logging.getLogger(__name__)
MAX_TRANSIENT_ATTEMPTS = 8


def queue(
    session: AsyncSession,
    key: str,
    to: Address,
    text: str,
    *,
    choices: tuple[Choice, ...] = (),
    prompt: str | None = None,
    interview_id: int | None = None,
    purpose: str = "reply",
    not_before: datetime | None = None,
) -> OutboxRow:
    """Add an outbound message to the current transaction; it is sent after the transaction commits."""
    row = OutboxRow(
        key=key,
        platform=to.platform,
        workspace=to.workspace,
        user_id=to.user_id,
        text=text,
        choices=[[c.label, c.value] for c in choices],
        prompt=prompt,
        interview_id=interview_id,
        purpose=purpose,
    )
    if not_before is not None:
        row.not_before = not_before
    session.add(row)
    return row


def to_outbound(row: OutboxRow) -> Outbound:
    return Outbound(
        key=row.key,
        to=Address(row.platform, row.workspace, row.user_id),
        text=row.text,
        choices=tuple(Choice(label, value) for label, value in row.choices),
        prompt=row.prompt,
        interview_id=row.interview_id,
        outbox_id=row.id,
        purpose=row.purpose,
    )


class Dispatcher:
    """Sends due outbox rows through the adapter registered for their platform."""

    def __init__(self, store: Store, clock: Callable[[], datetime]):
        self.store = store
        self.clock = clock
        self.senders: dict[str, Sender] = {}

    async def due(self, address: Address | None = None, limit: int = 500) -> list[OutboxRow]:
        query = select(OutboxRow).where(OutboxRow.status == "pending", OutboxRow.not_before <= self.clock())
        if address is not None:
            query = query.where(
                OutboxRow.platform == address.platform,
                OutboxRow.workspace == address.workspace,
                OutboxRow.user_id == address.user_id,
            )
        query = (
            query.where(col(OutboxRow.platform).in_(list(self.senders)))
            .order_by(col(OutboxRow.id))
            .limit(limit)
        )
        async with self.store.session() as s:
            return list((await s.exec(query)).all())

    async def send_due(self, address: Address | None = None) -> int:
        """Send what is due, in order per recipient; a recipient whose send failed waits for the next round."""
        sent, blocked = 0, set()
        for row in await self.due(address):
            who = (row.platform, row.workspace, row.user_id)
            if who in blocked:
                continue
            ok = await self.send_one(row)
            sent += ok
            if not ok:
                blocked.add(who)
        return sent

    async def _claim(self, row_id: int) -> bool:
        # The conditional update is the claim: of two workers, exactly one sees rowcount 1.
        async with self.store.session() as s:
            result = await s.exec(  # type: ignore[call-overload]
                update(OutboxRow)
                .where(col(OutboxRow.id) == row_id, col(OutboxRow.status) == "pending")
                .values(status="sending", attempts=OutboxRow.attempts + 1)
            )
            return bool(result.rowcount == 1)

    async def send_one(self, row: OutboxRow) -> bool:
        sender = self.senders.get(row.platform)
        if sender is None or row.id is None or not await self._claim(row.id):
            return False
        try:
            message_id = await sender.send(to_outbound(row))
        except Unreachable as exc:
            await self._finish(row, "failed", error=f"unreachable: {exc}", unreachable=True)
        except RateLimited as exc:
            await self._finish(row, "pending", error=str(exc), delay=exc.retry_after)
        except Transient as exc:
            give_up = row.attempts + 1 >= MAX_TRANSIENT_ATTEMPTS
            await self._finish(
                row,
                "failed" if give_up else "pending",
                error=f"transient: {exc}",
                delay=min(2 ** (row.attempts + 1), 600),
            )
        except Permanent as exc:
            log.error("outbox %s rejected by %s: %s", row.id, row.platform, exc)
            await self._finish(row, "failed", error=f"permanent: {exc}")
        else:
            async with self.store.session() as s:
                await s.exec(
                    update(OutboxRow)
                    .where(col(OutboxRow.id) == row.id)
                    .values(  # type: ignore[call-overload]
                        status="sent", platform_message_id=message_id, sent_at=self.clock(), error=None
                    )
                )
            return True
        return False

    async def _finish(
        self, row: OutboxRow, status: str, *, error: str, delay: float = 0, unreachable: bool = False
    ) -> None:
        async with self.store.session() as s:
            values: dict[str, object] = {"status": status, "error": error[:500]}
            if delay:
                values["not_before"] = self.clock() + timedelta(seconds=delay)
            await s.exec(update(OutboxRow).where(col(OutboxRow.id) == row.id).values(**values))  # type: ignore[call-overload]
            if unreachable:
                await s.exec(
                    update(Participant)
                    .where(  # type: ignore[call-overload]
                        col(Participant.platform) == row.platform,
                        col(Participant.workspace) == row.workspace,
                        col(Participant.user_id) == row.user_id,
                    )
                    .values(unreachable=True)
                )

    async def release_stuck(self) -> int:
        """After a crash, rows left in 'sending' are retried for replies; invitations are not (never twice)."""
        async with self.store.session() as s:
            replies = await s.exec(
                update(OutboxRow)
                .where(  # type: ignore[call-overload]
                    col(OutboxRow.status) == "sending", col(OutboxRow.purpose).in_(["reply", "notice"])
                )
                .values(status="pending")
            )
            await s.exec(
                update(OutboxRow)
                .where(col(OutboxRow.status) == "sending")  # type: ignore[call-overload]
                .values(status="failed", error="interrupted while sending; not retried")
            )
            return int(replies.rowcount or 0)

    async def mark_answered(self, interview_id: int, prompt: str, label: str) -> None:
        """Update the message that carried a prompt so it shows the answer and no longer offers buttons."""
        async with self.store.session() as s:
            row = (
                await s.exec(
                    select(OutboxRow)
                    .where(OutboxRow.interview_id == interview_id, OutboxRow.prompt == prompt)
                    .order_by(col(OutboxRow.id).desc())
                )
            ).first()
            if row is None or row.answered_label is not None:
                return
            row.answered_label = label
            s.add(row)
        sender = self.senders.get(row.platform)
        if sender is None or row.status != "sent" or not row.platform_message_id:
            return
        try:
            await sender.mark_answered(row.platform_message_id, to_outbound(row), label)
        except Exception as exc:  # the answer is stored; a stale button only looks stale
            log.warning("could not update answered message %s: %s", row.id, exc)
