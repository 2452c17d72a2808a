"""The dispatcher: sends claimed outbox rows (`bot.engine.outbox`) through the adapter registered for
their platform, records every outcome, and claims the rows that are due, in order per participant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, or_, tuple_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine import delivery_order, missing_permissions, retraction
from bot.engine.outbox import LEASE, Sendable, to_outbound
from bot.errors import Permanent, RateLimited, Transient, Unreachable
from bot.messages import ANSWERED, Address, Outbound, Sender
from bot.patience import patiently
from bot.storage import Store
from bot.storage.models import OutboxRow, Participant, table_of

log = logging.getLogger(__name__)
RENEW_EVERY = 2.0  # seconds between two renewals of the leases of rows being sent
# A platform that cannot be reached (network, 5xx) is tried again 2 s, 4 s, ... then every 10 minutes:
# 150 tries last about a day, so an outage of minutes or hours delays messages and loses none
MAX_TRANSIENT_ATTEMPTS = 150
TRANSIENT_BACKOFF_CAP = 600  # seconds
WARN_EVERY = timedelta(minutes=1)
MAX_SEND_FAILURES = 3  # unexpected errors while sending one row before it is set aside ("dead")
_OUTBOX = table_of(OutboxRow)
# What a claim reads of each due row: enough to claim it, and for the gate to check a scheduled one
_PICKED = (
    col(OutboxRow.id),
    col(OutboxRow.status),
    col(OutboxRow.key),
    col(OutboxRow.purpose),
    col(OutboxRow.prompt),
    col(OutboxRow.interview_id),
    col(OutboxRow.created_at),
)
# Cancels or postpones due pending rows that must not go now; their ids (outreach_gate.hold_back)
Gate = Callable[[AsyncSession, list[Any], datetime], Awaitable[set[int]]]
_PARTICIPANTS = table_of(Participant)
# Built once; the SET clause follows the parameters given (each set of columns compiles once).
_OUTCOME = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"))
_RENEW = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.status == "sending")
    .values(lease_until=bindparam("until"))
)
# Rows claimed at once by send_due, and how many such chunks may be in flight. At Slack's bulk pace
# (0.8/s) the last row of the third chunk goes out about 18 / 0.8 = 22 s after its claim: inside LEASE.
CLAIM_CHUNK = 6
CHUNKS_IN_FLIGHT = 3
CONCURRENCY = 8  # participants whose messages are in flight at once; each one's still go in order


@dataclass
class _Sent:
    """What sending a batch of rows did: per-row column values to store, and who proved unreachable."""

    outcomes: dict[int, dict[str, Any]] = field(default_factory=dict)
    unreachable: set[tuple[str, str, str]] = field(default_factory=set)
    failures: list[BaseException] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(1 for v in self.outcomes.values() if v["status"] == "sent")


class Dispatcher:
    """Sends claimed outbox rows through the adapter registered for their platform."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        *,
        concurrency: int = CONCURRENCY,
        gate: Gate | None = None,
    ):
        self.store = store
        self.clock = clock
        self.gate = gate  # scheduled rows are checked again as they fall due (bot.engine.outreach_gate)
        self.senders: dict[str, Sender] = {}
        self.concurrency = concurrency
        self._resending: set[int] = set()  # claimed after an interrupted attempt: may have gone out
        self._unreached: dict[str, datetime] = {}  # platform -> when "cannot be reached" was last logged
        self._marking: set[asyncio.Task[None]] = set()  # answered buttons waiting out a rate limit

    def lease(self, platform: str) -> datetime | None:
        """A claim for a row this process can send right away, or None to leave it for another worker."""
        return self.clock() + LEASE if platform in self.senders else None

    async def deliver(
        self, rows: Sequence[Sendable], held_out: set[tuple[str, str, str]] | None = None
    ) -> int:
        """Send claimed rows and record every outcome in one transaction. Returns how many were sent.

        Different participants' rows go out concurrently (at most `concurrency` at once), so the
        adapter's pacing, not one request's round trip, bounds bulk sends; each participant's rows
        still go one after another, in order.
        """
        result = await self._send_all(rows, held_out)
        await self._record(result)
        return result.sent

    async def _send_all(
        self,
        rows: Sequence[Sendable],
        held_out: set[tuple[str, str, str]] | None = None,
        slots: asyncio.Semaphore | None = None,
    ) -> _Sent:
        """Send the rows (each participant's in order); what happened is returned, not yet stored."""
        result = _Sent()
        by_participant: dict[tuple[str, str, str], list[Sendable]] = {}
        for row in rows:
            by_participant.setdefault((row.platform, row.workspace, row.user_id), []).append(row)
        slots = slots or asyncio.Semaphore(max(self.concurrency, 1))

        async def in_order(who: tuple[str, str, str], mine: list[Sendable]) -> None:
            async with slots:
                held: datetime | None = None
                for row in mine:
                    assert row.id is not None
                    if result.failures:  # stop as a crash would: rows not yet tried stay claimed
                        return
                    if held is not None:  # keep a participant's messages in order behind a failed one
                        result.outcomes[row.id] = {
                            "status": "pending",
                            "not_before": held,
                            "lease_until": None,
                        }
                        continue
                    try:
                        values = await self._attempt(row)
                    except Exception as exc:  # this row's own failure: the others still go out
                        values = self._failed_unexpectedly(row, exc)
                    except BaseException as exc:  # the process is going down: stop as a crash would
                        result.failures.append(exc)
                        return
                    result.outcomes[row.id] = values
                    if values["status"] != "sent":
                        held = values.get("not_before") or self.clock()
                        if held_out is not None:
                            held_out.add(who)
                    if values.pop("unreachable", False):
                        result.unreachable.add(who)

        async with self._renewing([row.id for row in rows if row.id is not None]):
            await asyncio.gather(*(in_order(who, mine) for who, mine in by_participant.items()))
        return result

    @contextlib.asynccontextmanager
    async def _renewing(self, ids: list[int]) -> AsyncIterator[None]:
        """Keep the claim on rows alive while they are being sent (waiting at a pacer, or out a rate
        limit), so only a claim whose process died lapses."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(RENEW_EVERY)
                try:
                    await self.store.execute_one(_RENEW, {"ids": ids, "until": self.clock() + LEASE})
                except Exception as exc:  # the sends go on; at worst another worker resends a reply
                    log.warning("could not renew the claim on %d outbox rows: %s", len(ids), exc)

        task = asyncio.get_running_loop().create_task(renew())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _record(self, result: _Sent) -> None:
        """Store the outcomes of `_send_all` in one transaction; then surface an unexpected error, if any."""
        outcomes = [{"row_id": row_id, **values} for row_id, values in result.outcomes.items()]
        if len(outcomes) == 1 and not result.unreachable:  # the usual reply: no transaction around it
            await self.store.execute_one(_OUTCOME, outcomes[0])
        elif outcomes:
            async with self.store.connection() as conn:  # Core statements only: no ORM session needed
                for params in outcomes:
                    await conn.execute(_OUTCOME, params)
                for platform, workspace, user_id in result.unreachable:
                    await conn.execute(
                        update(_PARTICIPANTS)
                        .where(
                            _PARTICIPANTS.c.platform == platform,
                            _PARTICIPANTS.c.workspace == workspace,
                            _PARTICIPANTS.c.user_id == user_id,
                        )
                        .values(unreachable=True)
                    )
        if result.failures:  # an unexpected error: what finished is recorded above, then it surfaces
            raise result.failures[0]

    async def _attempt(self, row: Sendable) -> dict[str, Any]:
        sender = self.senders[row.platform]
        now = self.clock()
        resend = row.id in self._resending
        self._resending.discard(row.id)
        try:
            message_id = await retraction.transmit(sender, row, resend=resend)
        except Unreachable as exc:
            return {"status": "failed", "error": f"unreachable: {exc}"[:500], "unreachable": True}
        except RateLimited as exc:
            return {
                "status": "pending",
                "error": str(exc)[:500],
                "lease_until": None,
                "not_before": now + timedelta(seconds=exc.retry_after),
            }
        except Transient as exc:
            give_up = row.attempts >= MAX_TRANSIENT_ATTEMPTS
            wait = min(2 ** min(row.attempts, 20), TRANSIENT_BACKOFF_CAP)
            if give_up:
                log.error("outbox %s: %s could not be reached for a day; given up", row.id, row.platform)
            elif now - self._unreached.get(row.platform, now - WARN_EVERY) >= WARN_EVERY:
                self._unreached[row.platform] = now  # one line a minute, however many messages wait
                log.warning(
                    "%s could not be reached (%s); messages wait and are tried again", row.platform, exc
                )
            return {
                "status": "failed" if give_up else "pending",
                "error": f"transient: {exc}"[:500],
                "lease_until": None,
                "not_before": now + timedelta(seconds=wait),
            }
        except Permanent as exc:  # failed; set aside when the app lacks a permission
            return missing_permissions.refused(row, exc)
        return {
            "status": "sent",
            "platform_message_id": message_id,
            "sent_at": now,
            "error": None,
            "lease_until": None,
        }

    def _failed_unexpectedly(self, row: Sendable, exc: Exception) -> dict[str, Any]:
        """An error the adapter did not classify (a bug, a message it cannot render): try again later,
        and after MAX_SEND_FAILURES tries set the row aside (status `dead`, see `interviewer db problems`)."""
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.error("outbox %s could not be sent (try %d): %s", row.id, row.attempts, type(exc).__name__)
        log.debug("the failure of outbox %s", row.id, exc_info=exc)
        if row.attempts >= MAX_SEND_FAILURES:
            return {"status": "dead", "error": error, "lease_until": None}
        backoff = timedelta(seconds=min(2**row.attempts, 600))
        return {
            "status": "pending",
            "error": error,
            "lease_until": None,
            "not_before": self.clock() + backoff,
        }

    async def send_due(self, address: Address | None = None, limit: int = 500) -> int:
        """Claim and send rows that are due (pending ones, and replies whose claim lapsed), in chunks.

        Each chunk is small, so paced bulk sends (an invitation a second or so) finish well inside the
        claim's lease. Up to CHUNKS_IN_FLIGHT chunks are in flight at once, sharing `concurrency` slots:
        the next chunks' rows queue at the adapter's pacer while one chunk's last sends, its database
        write, or a send waiting out a rate limit finish, so no pacing slot goes unused. A chunk leaves
        out the participants of the chunks in flight, and any participant whose row was put back (rate
        limited) is kept out after that: each person's messages go in order. Returns how many were sent.
        """
        sent = claimed = 0
        held: set[tuple[str, str, str]] = set()
        slots = asyncio.Semaphore(max(self.concurrency, 1))
        in_flight: dict[asyncio.Future[_Sent], set[tuple[str, str, str]]] = {}
        failed = False
        try:
            while True:
                rows: list[OutboxRow] = []
                if claimed < limit and not failed:
                    busy = held.union(*in_flight.values())
                    rows = await self._claim(address, min(CLAIM_CHUNK, limit - claimed), busy)
                if rows:
                    claimed += len(rows)
                    people = {(r.platform, r.workspace, r.user_id) for r in rows}
                    in_flight[asyncio.ensure_future(self._send_all(rows, held, slots))] = people
                    if len(in_flight) < CHUNKS_IN_FLIGHT:
                        continue
                if not in_flight:
                    return sent
                # store what the finished chunks did while the others keep sending
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for finished in done:
                    del in_flight[finished]
                    result = finished.result()
                    failed = failed or bool(result.failures)
                    await self._record(result)
                    sent += result.sent
        finally:
            # an error surfaced: let the chunks still sending finish, and keep their outcomes
            for pending in in_flight:
                await self._record(await pending)

    async def _claim(
        self, address: Address | None, limit: int, held: set[tuple[str, str, str]]
    ) -> list[OutboxRow]:
        now = self.clock()
        platforms = list(self.senders)
        if not platforms:
            return []
        due = or_(
            (col(OutboxRow.status) == "pending") & (col(OutboxRow.not_before) <= now),
            (col(OutboxRow.status) == "sending") & (col(OutboxRow.lease_until) < now),
        )
        where = [due, col(OutboxRow.platform).in_(platforms), ~delivery_order.earlier_open(now)]
        if address is not None:
            where += [
                col(OutboxRow.platform) == address.platform,
                col(OutboxRow.workspace) == address.workspace,
                col(OutboxRow.user_id) == address.user_id,
            ]
        if held:
            where.append(
                tuple_(OutboxRow.platform, OutboxRow.workspace, OutboxRow.user_id).not_in(list(held))
            )
        async with self.store.session() as s:
            await delivery_order.settle_lapsed(s, now, due)
            pick = sa.select(*_PICKED).where(*where).order_by(col(OutboxRow.id)).limit(limit)
            if self.store.is_postgres:
                pick = pick.with_for_update(skip_locked=True)  # rows another worker is claiming: skip them
            picked = list((await (await s.connection()).execute(pick)).all())
            if picked and self.gate is not None:
                held_back = await self.gate(s, [r for r in picked if r.status == "pending"], now)
                picked = [r for r in picked if r.id not in held_back]
            if not picked:
                return []
            ids = [r.id for r in picked]
            interrupted = {r.id for r in picked if r.status == "sending"}
            # The conditional update is the claim: a row another worker claimed first no longer matches.
            claimed = await s.exec(
                update(OutboxRow)
                .where(col(OutboxRow.id).in_(ids), due)
                .values(status="sending", lease_until=now + LEASE, attempts=OutboxRow.attempts + 1)
                .returning(col(OutboxRow.id))
            )
            claimed_ids: list[int] = [r[0] for r in claimed.all()]
            self._resending.update(row_id for row_id in claimed_ids if row_id in interrupted)
            found = await s.exec(
                select(OutboxRow).where(col(OutboxRow.id).in_(claimed_ids)).order_by(col(OutboxRow.id))
            )
            return list(found.all())

    async def release_claims(self, address: Address) -> int:
        """Let claims on `address`'s rows lapse now (see `bot.engine.delivery_order.release_claims`)."""
        return await delivery_order.release_claims(self.store, self.clock(), address)

    async def last_sent(self, address: Address) -> Outbound | None:
        """The latest reply or notice `address` was sent: what they were last asked."""
        return _outbound(await delivery_order.last_sent(self.store, address))

    async def open_question(self, address: Address) -> Outbound | None:
        """The question still open, when other messages (help, mydata) came after it."""
        return _outbound(await delivery_order.open_question(self.store, address))

    async def next_lapse(self) -> datetime | None:
        """When the earliest claim still held lapses (a claim left by a process that died), if any."""
        return await delivery_order.next_lapse(self.store, self.clock())

    async def show_answered(self, row: Sendable, label: str, note: str = ANSWERED) -> None:
        """Update a sent message that carried buttons so it shows the answer (after `note`, "You answered"
        in the study's language) and offers no more buttons."""
        sender = self.senders.get(row.platform)
        if sender is None or not row.platform_message_id:
            return
        message_id, outbound = row.platform_message_id, to_outbound(row)
        try:
            await sender.mark_answered(message_id, outbound, label, note)
        except (RateLimited, Transient):  # asked to wait: again in the background, not in the turn
            marking = patiently(lambda: sender.mark_answered(message_id, outbound, label, note))
            task = asyncio.get_running_loop().create_task(_logged(marking, f"answered message {row.id}"))
            self._marking.add(task)
            task.add_done_callback(self._marking.discard)
        except Exception as exc:  # the answer is stored; a stale button only looks stale
            log.warning("could not update answered message %s: %s", row.id, exc)


async def _logged(work: Awaitable[None], what: str) -> None:
    try:
        await work
    except Exception as exc:
        log.warning("could not update %s: %s", what, exc)


def _outbound(row: OutboxRow | None) -> Outbound | None:
    return to_outbound(row) if row is not None else None
