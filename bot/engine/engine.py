"""The engine: store each inbound event, advance the interview, ask the interviewer, queue the replies.

Order of work for one participant (always under that participant's lock):
1. `receive` commits the event to the inbox (UNIQUE dedupe key) and returns: persist before reply.
2. `Intake.apply` turns the unprocessed inbox rows into state-machine events in one transaction: turns,
   answers and outbox rows are written together with the rows' `processed_at` (`bot.engine.effects`).
3. `Answers.answer` asks the interviewer outside any transaction, then stores its move if the interview
   is still waiting for exactly that move (`move_token`); otherwise the stale move is dropped.
4. The dispatcher sends the outbox rows.
A crash between any two steps leaves rows that `recover` finishes, once.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError

from bot.engine import claude_trouble as trouble
from bot.engine import dead_letters
from bot.engine import queries as q
from bot.engine.answers import Answers
from bot.engine.dispatcher import Dispatcher
from bot.engine.effects import Effects, Work
from bot.engine.inbox import inbound_values
from bot.engine.intake import Intake
from bot.engine.outreach_gate import hold_back
from bot.engine.participants import lock_participant
from bot.engine.pending import pending_move
from bot.engine.transcripts import TranscriptCache
from bot.interview.command_words import language_codes
from bot.interview.conversation import Event
from bot.interviewer.base import Interviewer
from bot.messages import Address, Inbound, Sender, utcnow
from bot.records.erasure import after_erasure
from bot.records.pseudonym import Pseudonyms
from bot.settings import Settings
from bot.storage import Store
from bot.storage.models import Interview
from bot.studies.catalog import Catalog

log = logging.getLogger(__name__)


class Engine:
    """Platform-neutral interview engine. Adapters call `receive`; the engine sends through `Sender`s."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        interviewer: Interviewer,
        settings: Settings,
        pseudonyms: Pseudonyms,
        *,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.store = store
        self.catalog = catalog
        self.settings = settings
        self.pseudonyms = pseudonyms
        self.clock = clock
        self.dispatcher = Dispatcher(store, clock, gate=partial(hold_back, catalog=catalog))
        self.transcripts = TranscriptCache()  # the interviewer's context without re-reading every turn
        # command words are recognised in English and in every study's own language
        self.languages = language_codes(study.language for study in catalog.studies())
        self.effects = Effects(
            store, catalog, pseudonyms, self.dispatcher, self.transcripts, clock, interviewer
        )
        self.intake = Intake(
            store, catalog, settings, self.effects, self.dispatcher, self.transcripts, self.languages, clock
        )
        self.answers = Answers(store, settings, interviewer, self.effects, self.dispatcher, clock)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._deadlines: dict[str, float] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._held: dict[str, Callable[[], object]] = {}  # read back after downtime: see `hold`

    @property
    def interviewer(self) -> Interviewer:
        """Who proposes the moves; replacing it (tests, a pilot) takes effect at the next move."""
        return self.answers.interviewer

    @interviewer.setter
    def interviewer(self, interviewer: Interviewer) -> None:
        self.answers.interviewer = self.effects.interviewer = interviewer

    def register_sender(self, platform: str, sender: Sender) -> None:
        self.dispatcher.senders[platform] = sender

    # ---- inbound -----------------------------------------------------------------------------------

    async def receive(self, inbound: Inbound, *, schedule: bool = True) -> bool:
        """Store the event durably and schedule its processing. False if this event was already received
        (or cannot be stored: an address longer than the platforms' own ids). The text is normalised
        here, once, for every adapter (`bot.interview.normalize`). With `schedule` False the caller processes."""
        values = inbound_values(inbound, self.settings.max_message_chars)
        if values is None:
            log.warning("refused an inbound event whose sender id is longer than any platform's ids")
            return False
        who = inbound.sender
        try:
            # Core, autocommit: the hot path's first write, durable before anything else happens
            await self.store.execute_one(q.INSERT_INBOX, values)
        except IntegrityError:
            # Already stored: a retry or duplicate. Make sure it gets processed if the first try crashed.
            if schedule:
                self.kick(who, delay=0)
            return False
        if schedule:
            self.kick(who, delay=0 if inbound.is_click else self.settings.coalesce_for(who.platform))
        return True

    def kick(self, who: Address, delay: float = 0) -> None:
        """Process `who`'s inbox after `delay` seconds of quiet; a newer message restarts the wait."""
        if (told := self._held.get(who.key)) is not None:
            told()  # stored, answered once their history is in (`hold`)
            return
        loop = asyncio.get_running_loop()
        self._deadlines[who.key] = loop.time() + delay
        task = self._tasks.get(who.key)
        if task is None or task.done():
            self._tasks[who.key] = loop.create_task(self._run_participant(who))

    async def _run_participant(self, who: Address) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                wait = self._deadlines.get(who.key, 0) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                deadline = self._deadlines.get(who.key)
                again = await self.process(who)
                if self._deadlines.get(who.key) == deadline:
                    if again is None:
                        break
                    self._deadlines[who.key] = loop.time() + again  # a newer message is not quiet yet
        except Exception:
            log.exception("processing failed for a participant; the tick will retry")
        finally:
            self._tasks.pop(who.key, None)
            self._deadlines.pop(who.key, None)

    def hold(self, who: Address, on_message: Callable[[], object] = lambda: None) -> None:
        """Answer nothing of `who`'s until `release`: their history from a downtime is being read back,
        and a live message answered first would go before it. `on_message` is called for each event."""
        self._held[who.key] = on_message

    def release(self, who: Address, *, answer: bool = True) -> None:
        """`who`'s read-back is over: answer what waits, in written order (unless the process stops)."""
        if self._held.pop(who.key, None) is not None and answer:
            self.kick(who)

    async def drain(self) -> None:
        """Wait until every scheduled processing task has finished (tests and the console use this)."""
        while running := [task for task in self._tasks.values() if not task.done()]:
            await asyncio.gather(*running, return_exceptions=True)
        for key in [key for key, task in self._tasks.items() if task.done()]:
            del self._tasks[key]  # cancelled before it ever ran, so it could not remove itself

    @asynccontextmanager
    async def _writing(self, who: Address) -> AsyncIterator[None]:
        """`who`'s lock, held while their interview is written. If anything fails (a transaction that
        rolled back), cached transcripts may hold turns that were never committed: drop them all."""
        lock = self._locks.get(who.key)
        if lock is None:
            lock = self._locks[who.key] = asyncio.Lock()
        async with lock:
            try:
                yield
            except BaseException:
                self.transcripts.forget()
                raise

    async def process(self, who: Address) -> float | None:
        """Handle all of `who`'s unprocessed events once they have been quiet for the platform's window,
        ask the interviewer where needed, and send replies. Returns the seconds to wait when the newest
        waiting message is still inside its quiet window (nothing was handled), else None."""
        if who.key in self._held:
            return None  # `release` kicks them
        async with self._writing(who):
            try:
                work = await self.intake.apply(who)
            except Exception as exc:
                self.transcripts.forget()  # the failed transaction may have cached turns it never wrote
                if dead_letters.is_transient(exc):
                    raise
                work = await self.intake.apply_one_by_one(who)
            await self._finish(work)
            for pending in work.moves:
                await self._finish(await self.answers.answer(pending))
        return work.wait

    async def _finish(self, work: Work) -> None:
        """After commit: finish erasures, send the claimed rows, then update answered buttons."""
        for erased in work.erased:
            await after_erasure(self.store, erased, self.settings.analysis_cache_dir)
        claimed = [row for row in work.rows if row.status == "sending"]  # the rest wait for a worker
        if claimed:
            await self.dispatcher.deliver(claimed)
        for row, label, note in work.answered:
            await self.dispatcher.show_answered(row, label, note)

    async def open_pilot(self, who: Address, study_id: str) -> int:
        """Create a pilot interview for `who` (kept out of status and exports); their next message starts it."""
        async with self._writing(who):
            async with self.store.session() as s:
                participant = await lock_participant(s, who, postgres=self.store.is_postgres)
                interview = await self.effects.new_interview(s, participant.id or 0, who, study_id)
                interview.pilot = True
                s.add(interview)
                await s.flush()
                return interview.id or 0

    async def study_open(self, study_id: str) -> bool:
        """False when REQUIRE_APPROVAL is on and the study's current plan version is not approved."""
        async with self.store.session() as s:
            return await self.intake.study_open(s, study_id)

    # ---- recovery and periodic work ----------------------------------------------------------------

    async def apply_event(self, interview_id: int, event: Event) -> None:
        """Feed a scheduler event (e.g. `Expire`) to one interview under its participant's lock."""
        async with self.store.connection() as conn:
            found = (await conn.execute(q.INTERVIEW_OWNER, {"id": interview_id})).first()
        if found is None:
            return
        who, work = Address(found.platform, found.workspace, found.user_id), Work()
        async with self._writing(who):
            async with self.store.session() as s:
                query = q.INTERVIEW_FOR_UPDATE if self.store.is_postgres else q.INTERVIEW
                interview = (await s.exec(query, params={"id": interview_id})).first()
                if interview is None:
                    return
                await self.effects.run_step(s, interview, who, event, work)
            await self._finish(work)

    async def recover(self) -> None:
        """On start: moves parked by a permanent Claude error become due again, then finish everything a
        crash left undone (same as a tick)."""
        async with self.store.session() as s:
            await trouble.rearm(s, self.clock())
        await self.tick()

    async def tick(self) -> None:
        """Answer inbox rows whose senders have been quiet for their platform's window, and overdue moves,
        and send due messages. Safe to run anytime, from any number of processes."""
        async with self.store.connection() as conn:
            inbox = (await conn.execute(q.WAITING_PARTICIPANTS)).all()
            due = (await conn.execute(q.MOVES_DUE, {"now": self.clock()})).all()
        # each participant's work, and the sending, fails alone (logged; set aside after repeated failures)
        wall = utcnow()
        for platform, workspace, user_id, newest in inbox:
            window = timedelta(seconds=self.settings.coalesce_for(platform))
            if newest is None or newest <= wall - window:  # still typing: their own timer answers them
                await self._bounded(self.process(Address(platform, workspace, user_id)))
        for interview_id, platform, workspace, user_id in due:
            await self._bounded(self._answer_due(interview_id, Address(platform, workspace, user_id)))
        await self._bounded(self.dispatcher.send_due())

    async def catch_up(self, who: Address) -> None:
        """Finish what a crash left undone for one participant only (a terminal session's start)."""
        await self._bounded(self.process(who))
        params = {"now": self.clock(), "platform": who.platform, "workspace": who.workspace}
        async with self.store.connection() as conn:
            due = (await conn.execute(q.MOVES_DUE_FOR, {**params, "user_id": who.user_id})).all()
        for interview_id, *_ in due:
            await self._bounded(self._answer_due(interview_id, who))
        await self._bounded(self.dispatcher.send_due(who))

    @staticmethod
    async def _bounded(work: Awaitable[object]) -> None:
        try:
            await work
        except Exception as exc:
            log.error("a participant's work failed and will be retried: %s", type(exc).__name__)
            log.debug("the failure", exc_info=exc)

    async def _answer_due(self, interview_id: int, who: Address) -> None:
        """Ask the interviewer for a move that is due (after a restart, or a retry after an outage)."""
        if who.key in self._held:
            return  # their read-back may bring more to answer with it: the tick after `release` asks
        async with self._writing(who):
            async with self.store.session() as s:
                interview = await s.get(Interview, interview_id)
                if interview is None:
                    return
                study = await self.catalog.at(self.store, interview.study_id, interview.study_version)
                pending = await pending_move(
                    s, interview, study, who, self.settings.max_message_chars, self.transcripts
                )
            if pending is not None:
                await self._finish(await self.answers.answer(pending))
