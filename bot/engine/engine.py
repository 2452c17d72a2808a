"""The engine: store each inbound event, advance the interview, ask the interviewer, queue the replies.

Order of work for one participant (always under that participant's lock):
1. `receive` commits the event to the inbox (UNIQUE dedupe key) and returns: persist before reply.
2. `_apply_inbox` turns the unprocessed inbox rows into state-machine events in one transaction: turns,
   answers and outbox rows are written together with the rows' `processed_at`.
3. `_answer` asks the interviewer outside any transaction, then stores its move if the interview is still
   waiting for exactly that move (`move_token`); otherwise the stale move is dropped.
4. The dispatcher sends the outbox rows.
A crash between any two steps leaves rows that `recover` finishes, once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine import claude_trouble as trouble
from bot.engine import dead_letters, preferences
from bot.engine import queries as q
from bot.engine.inbox import Inbox, clean_text, coalesce, event_for, inbound_values
from bot.engine.outbox import Dispatcher, Queued, Sendable, queue_claimed
from bot.engine.pending import ABUSE_END, DISTRESS_PAUSE, PendingMove, TranscriptCache, pending_move
from bot.errors import InterviewerUnavailable
from bot.interview import transitions as sm
from bot.interview.command_words import language_codes
from bot.interview.coverage import dispose
from bot.interview.moves import Move, MoveKind
from bot.interviewer.base import Interviewer
from bot.messages import Address, Inbound, Sender, utcnow
from bot.records.erasure import Erased, after_erasure, withdraw
from bot.records.own_data import own_data_messages
from bot.records.pseudonym import Pseudonyms
from bot.settings import Settings
from bot.storage import Store, core_connection
from bot.storage.models import (
    Interview,
    Participant,
    StudyVersion,
    Turn,
)
from bot.studies.catalog import Catalog

log = logging.getLogger(__name__)
# Commands answered without starting an interview when the person has none yet.
NO_INTERVIEW_NEEDED = frozenset({"optout", "optin", "mydata", "withdraw", "stop", "pause"})
InterviewLike = Interview | sa.Row[Any]  # an ORM interview, or a Core row with the columns _save reads
_UNCHANGED = object()
_LOOK_UP = object()  # the interview is not known yet: look it up
NOT_OPEN = "Thank you for your interest! This study is not open yet; please try again later."
WAIT_NOTICE = trouble.WAIT


@dataclass
class _Work:
    """What a transaction left to do once it has committed."""

    rows: list[Sendable] = field(default_factory=list)  # claimed by this worker: send them
    answered: list[tuple[Sendable, str]] = field(default_factory=list)  # sent prompts to show as answered
    moves: list[PendingMove] = field(default_factory=list)  # interviewer moves now due
    erased: list[Erased] = field(default_factory=list)  # withdrawals: log checkpoint, cache files
    wait: float | None = None  # nothing claimed: seconds until the newest waiting message is quiet
    _due: list[tuple[Interview, Address]] = field(default_factory=list)


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
        self.interviewer = interviewer
        self.settings = settings
        self.pseudonyms = pseudonyms
        self.clock = clock
        self.dispatcher = Dispatcher(store, clock)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._deadlines: dict[str, float] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.transcripts = TranscriptCache()  # the interviewer's context without re-reading every turn
        # command words are recognised in English and in every study's own language
        self.languages = language_codes(study.language for study in catalog.studies())

    def register_sender(self, platform: str, sender: Sender) -> None:
        self.dispatcher.senders[platform] = sender

    # ---- inbound -----------------------------------------------------------------------------------

    async def receive(self, inbound: Inbound, *, schedule: bool = True) -> bool:
        """Store the event durably and schedule its processing. False if this event was already received
        (or cannot be stored: an address longer than the platforms' own ids). The text is normalised
        here, once, for every adapter (`bot.engine.normalize`). With `schedule` False the caller processes."""
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
                wait = await self.process(who)
                if self._deadlines.get(who.key) == deadline:
                    if wait is None:
                        break
                    self._deadlines[who.key] = loop.time() + wait  # a newer message is not quiet yet
        except Exception:
            log.exception("processing failed for a participant; the tick will retry")
        finally:
            self._tasks.pop(who.key, None)
            self._deadlines.pop(who.key, None)

    async def drain(self) -> None:
        """Wait until every scheduled processing task has finished (tests and the console use this)."""
        while running := [task for task in self._tasks.values() if not task.done()]:
            await asyncio.gather(*running, return_exceptions=True)
        for key in [key for key, task in self._tasks.items() if task.done()]:
            del self._tasks[key]  # cancelled before it ever ran, so it could not remove itself

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    @asynccontextmanager
    async def _writing(self, who: Address) -> AsyncIterator[None]:
        """`who`'s lock, held while their interview is written. If anything fails (a transaction that
        rolled back), cached transcripts may hold turns that were never committed: drop them all."""
        async with self._lock(who.key):
            try:
                yield
            except BaseException:
                self.transcripts.forget()
                raise

    async def process(self, who: Address) -> float | None:
        """Handle all of `who`'s unprocessed events once they have been quiet for the platform's window,
        ask the interviewer where needed, and send replies. Returns the seconds to wait when the newest
        waiting message is still inside its quiet window (nothing was handled), else None."""
        async with self._writing(who):
            try:
                work = await self._apply_inbox(who)
            except Exception as exc:
                self.transcripts.forget()  # the failed transaction may have cached turns it never wrote
                if dead_letters.is_transient(exc):
                    raise
                work = await self._apply_one_by_one(who)
            await self._finish(work)
            for pending in work.moves:
                await self._finish(await self._answer(pending))
        return work.wait

    async def _apply_one_by_one(self, who: Address) -> _Work:
        """After a failure: apply `who`'s events one at a time, each in its own transaction, so that one
        which keeps failing is set aside (a dead letter) and the others, in order, still go on."""
        work = _Work()
        async with self.store.connection() as c:
            rows = (await c.execute(q.UNPROCESSED_INBOX, {"key": who.key})).all()
        for group in coalesce(rows, self.languages):
            await self._apply_group(who, [row.id for row in group], work)
        return work

    async def _apply_group(self, who: Address, ids: list[int], work: _Work) -> None:
        while True:
            tries = await dead_letters.count_try(self.store, ids)  # counted first: a crash counts too
            if tries == 0:
                return  # another worker processed them meanwhile
            if tries > dead_letters.MAX_ATTEMPTS:
                lease = self.dispatcher.lease(who.platform)
                work.rows += await dead_letters.set_aside(self.store, ids, who, self.clock(), lease)
                return
            try:
                done = await self._apply_inbox(who, ids)
            except Exception as exc:
                self.transcripts.forget()
                if dead_letters.is_transient(exc):
                    raise
                await dead_letters.note_failure(self.store, ids, exc)
                await dead_letters.pause_before_retry(tries)
                continue
            work.rows += done.rows
            work.answered += done.answered
            work.moves += done.moves
            return

    async def _finish(self, work: _Work) -> None:
        """After commit: send the claimed rows, then update answered buttons."""
        for erased in work.erased:
            await after_erasure(self.store, erased, self.settings.analysis_cache_dir)
        claimed = [row for row in work.rows if row.status == "sending"]  # the rest wait for a worker
        if claimed:
            await self.dispatcher.deliver(claimed)
        for row, label in work.answered:
            await self.dispatcher.show_answered(row, label)

    async def _lock_participant(self, s: AsyncSession, who: Address) -> Participant:
        # one writer per participant across worker processes
        query = q.PARTICIPANT_FOR_UPDATE if self.store.is_postgres else q.PARTICIPANT
        params = {"platform": who.platform, "workspace": who.workspace, "user_id": who.user_id}
        participant = (await s.exec(query, params=params)).first()
        return participant if participant is not None else (await self._create_participant(s, who))[0]

    async def _create_participant(self, s: AsyncSession, who: Address) -> tuple[Participant, bool]:
        """Add `who` (their new row stays locked by this transaction), or, if another worker added them
        a moment ago, lock theirs. True when this call created the participant."""
        participant = Participant(platform=who.platform, workspace=who.workspace, user_id=who.user_id)
        try:
            async with s.begin_nested():
                s.add(participant)
            return participant, True
        except IntegrityError:
            pass  # the savepoint's rollback took our row (and object) back: lock theirs
        query = q.PARTICIPANT_FOR_UPDATE if self.store.is_postgres else q.PARTICIPANT
        params = {"platform": who.platform, "workspace": who.workspace, "user_id": who.user_id}
        return (await s.exec(query, params=params)).one(), False

    async def _apply_inbox(self, who: Address, ids: list[int] | None = None) -> _Work:
        """Apply `who`'s unprocessed events (or only the rows `ids`) in one transaction."""
        work = _Work()
        async with self.store.session() as s:
            # mark the rows processed and read them in one statement; Core rows, read-only
            connection = await s.connection()
            window = 0.0 if ids is not None else self.settings.coalesce_for(who.platform)
            if ids is not None:  # chosen rows after a failure (bot.engine.dead_letters): already due
                found = await connection.execute(q.CLAIM_INBOX_IDS, {"ids": ids, "now": self.clock()})
            elif window > 0:  # wall-clock time, as the inbox rows' received_at
                cutoff = utcnow() - timedelta(seconds=window)
                params = {"key": who.key, "now": self.clock(), "cutoff": cutoff}
                found = await connection.execute(q.CLAIM_INBOX_QUIET, params)
            else:
                found = await connection.execute(q.CLAIM_INBOX, {"key": who.key, "now": self.clock()})
            rows = sorted(found.all(), key=lambda row: row.id)
            if not rows:
                if window > 0:
                    newest = (await connection.execute(q.NEWEST_PENDING, {"key": who.key})).scalar()
                    if newest is not None:
                        work.wait = max((newest - utcnow()).total_seconds() + window, 0.01)
                return work
            participant, interview = await self._participant_and_interview(s, who, rows[0])
            if participant.unreachable:  # they wrote to us, so messages reach them again
                participant.unreachable = False
                s.add(participant)
            for n, group in enumerate(coalesce(rows, self.languages)):
                await self._apply_event(s, participant, who, group, work, interview if n == 0 else _LOOK_UP)
            for interview, address in work._due:
                study = await self.catalog.at(self.store, interview.study_id, interview.study_version)
                pending = await pending_move(
                    s, interview, study, address, self.settings.max_message_chars, self.transcripts
                )
                if pending is not None:
                    work.moves.append(pending)
        return work

    async def _participant_and_interview(
        self, s: AsyncSession, who: Address, row: Inbox
    ) -> tuple[Participant, Interview | None]:
        """`who`, locked, and the interview `row` is for, in one query (a new participant: two)."""
        which = "id" if row.interview_id is not None else "study" if row.study_id is not None else "latest"
        params = {"platform": who.platform, "workspace": who.workspace, "user_id": who.user_id}
        params.update(id=row.interview_id, study_id=row.study_id)
        found = (await s.exec(q.PARTICIPANT_WITH[which, self.store.is_postgres], params=params)).first()
        if found is not None:
            return found[0], found[1]
        participant, created = await self._create_participant(s, who)  # first contact
        return participant, None if created else await self._interview_for(s, participant, row)

    async def _apply_event(
        self,
        s: AsyncSession,
        participant: Participant,
        who: Address,
        rows: list[Inbox],
        work: _Work,
        interview: Interview | None | object = _LOOK_UP,
    ) -> None:
        first = rows[0]
        event = event_for(rows, self.languages)
        if interview is _LOOK_UP:
            interview = await self._interview_for(s, participant, first)
        assert interview is None or isinstance(interview, Interview)
        if interview is None and isinstance(event, sm.Command) and event.name in NO_INTERVIEW_NEEDED:
            # an invitation preference, or a question about data we do not hold, needs no interview:
            # do not start one just to answer it
            if event.name in ("optout", "optin"):
                await preferences.set_opted_out(s, participant, event.name == "optout")
            text = {"optout": sm.OPTOUT_TEXT, "optin": sm.OPTIN_TEXT}.get(event.name, sm.NOTHING_HELD_TEXT)
            lease = self.dispatcher.lease(who.platform)
            key = f"inbox:{first.id}:{event.name}"
            work.rows.append(await queue_claimed(s, key, who, text, purpose="notice", claim_until=lease))
            return
        if sm.is_not_now(first.choice) and (interview is None or interview.state in sm.TERMINAL):
            # "Not now" with nothing to decline: answer, but never start an interview for it
            lease = self.dispatcher.lease(who.platform)
            work.rows.append(
                await queue_claimed(
                    s, f"inbox:{first.id}:not-now", who, sm.NOT_NOW_TEXT, purpose="notice", claim_until=lease
                )
            )
            return
        if interview is None or (
            first.prompt == "start"
            and interview.state in sm.TERMINAL
            and not sm.reopens(sm.State(interview.state), sm.Progress.from_json(interview.data))
        ):
            study_id = first.study_id or (interview.study_id if interview else None) or self._default_study()
            if study_id is not None and self.catalog.get(study_id) is None:  # e.g. an old invitation's button
                study_id = None
            closed = study_id is not None and not await self._study_open(s, study_id)
            if study_id is None or closed:
                text = (
                    NOT_OPEN if closed else "There is no study open right now. Thank you for your interest!"
                )
                work.rows.append(
                    await queue_claimed(
                        s,
                        f"inbox:{first.id}:no-study",
                        who,
                        text,
                        purpose="notice",
                        claim_until=self.dispatcher.lease(who.platform),
                    )
                )
                return
            interview = await self._new_interview(s, participant, who, study_id)
            event = sm.Begin()
        await self._run_step(s, interview, who, event, work)

    async def open_pilot(self, who: Address, study_id: str) -> int:
        """Create a pilot interview for `who` (kept out of status and exports); their next message starts it."""
        async with self._writing(who):
            async with self.store.session() as s:
                participant = await self._lock_participant(s, who)
                interview = await self._new_interview(s, participant, who, study_id)
                interview.pilot = True
                s.add(interview)
                await s.flush()
                return interview.id or 0

    async def _interview_for(self, s: AsyncSession, participant: Participant, row: Inbox) -> Interview | None:
        if row.interview_id is not None:
            query, params = q.INTERVIEW_BY_ID, {"participant_id": participant.id, "id": row.interview_id}
        elif row.study_id is not None:
            query, params = q.INTERVIEW_BY_STUDY, {"participant_id": participant.id, "study_id": row.study_id}
        else:
            query, params = q.INTERVIEW_LATEST, {"participant_id": participant.id}
        return (await s.exec(query, params=params)).first()

    async def study_open(self, study_id: str) -> bool:
        """False when REQUIRE_APPROVAL is on and the study's current plan version is not approved."""
        async with self.store.session() as s:
            return await self._study_open(s, study_id)

    async def _study_open(self, s: AsyncSession, study_id: str) -> bool:
        """With REQUIRE_APPROVAL on, new interviews start only under an approved plan version."""
        if not self.settings.require_approval:
            return True
        current = self.catalog.current(study_id)
        approved_at = (
            await s.exec(
                select(StudyVersion.approved_at).where(
                    StudyVersion.study_id == study_id, StudyVersion.version == current.version
                )
            )
        ).first()
        return approved_at is not None

    def _default_study(self) -> str | None:
        ids = self.catalog.ids()
        if self.settings.default_study in ids:
            return self.settings.default_study
        return ids[0] if ids else None

    async def _new_interview(
        self, s: AsyncSession, participant: Participant, who: Address, study_id: str
    ) -> Interview:
        current = self.catalog.current(study_id)
        interview = Interview(
            participant_id=participant.id or 0,
            study_id=study_id,
            study_version=current.version,
            plan_hash=current.plan_hash,
            participant_code=self.pseudonyms.code(study_id, who),
            state=sm.State.INVITED.value,
            interviewer=self.interviewer.name,
            data=sm.Progress().to_json(),
        )
        s.add(interview)
        await s.flush()
        return interview

    async def _run_step(
        self, s: AsyncSession, interview: Interview, who: Address, event: sm.Event, work: _Work
    ) -> None:
        study = await self.catalog.at(self.store, interview.study_id, interview.study_version)
        result = sm.step(study, sm.State(interview.state), sm.Progress.from_json(interview.data), event)
        progress = result.progress
        for effect in result.effects:
            if isinstance(effect, sm.Say):
                await self._say(s, interview, progress, who, effect, work)
            elif isinstance(effect, sm.RecordTurn):
                await self._add_turn(s, interview, progress, "participant", effect.text)
            elif isinstance(effect, sm.RecordAnswer):  # Core inserts: no ORM objects to flush
                screening = effect.section == "screening"
                await (await core_connection(s)).execute(
                    q.INSERT_SCREENING if screening else q.INSERT_SURVEY,
                    {
                        "interview_id": interview.id or 0,
                        "question_id" if screening else "item_id": effect.item_id,
                        "value": effect.value,
                        "created_at": utcnow(),
                    },
                )
            elif isinstance(effect, sm.RecordConsent):
                digest = hashlib.sha256(study.consent.text.encode()).hexdigest()
                values = {"interview_id": interview.id or 0, "kind": effect.kind, "granted": effect.granted}
                values.update(text_hash=digest, created_at=utcnow())
                await (await core_connection(s)).execute(q.INSERT_CONSENT, values)
            elif isinstance(effect, sm.MarkAnswered):
                await self._mark_answered(s, interview, effect, work)
            elif isinstance(effect, sm.AskInterviewer):
                set_committed_value(interview, "move_due_at", self.clock())  # _save writes it
                work._due.append((interview, who))
            elif isinstance(effect, sm.RepeatQuestion):
                last = await self._last_question(s, interview)
                if last:
                    await self._say(s, interview, progress, who, sm.Say(f"Where we left off: {last}"), work)
            elif isinstance(effect, sm.DeleteData):
                erased = await withdraw(s, interview.participant_id, who.key, interview.study_id)
                for erased_id in erased.interview_ids:
                    self.transcripts.forget(erased_id)
                work.erased.append(erased)
            elif isinstance(effect, sm.StartOver):
                fresh = await self._new_interview(
                    s, await self._lock_participant(s, who), who, interview.study_id
                )
                await self._run_step(s, fresh, who, sm.Begin(), work)
            elif isinstance(effect, sm.Snooze):
                await preferences.snooze(s, interview.id, self.clock(), effect.duration)
            elif isinstance(effect, sm.SetOptOut):
                await preferences.set_opted_out(s, await self._lock_participant(s, who), effect.value)
            elif isinstance(effect, sm.CloseInvitation):
                await preferences.close_invitation(s, interview.id)
            elif isinstance(effect, sm.ReopenInvitation):
                await preferences.reopen_invitation(s, interview.id, self.clock())
            elif isinstance(effect, sm.SendOwnData):
                for piece in await own_data_messages(s, interview):
                    await self._say(s, interview, progress, who, sm.Say(piece), work)
        if not progress.awaiting_move:
            set_committed_value(interview, "move_due_at", None)
        await self._save(s, interview, result.state, progress)

    async def _save(
        self,
        s: AsyncSession | AsyncConnection,
        interview: InterviewLike,
        state: sm.State,
        progress: sm.Progress,
        *,
        move_due_at: datetime | None | object = _UNCHANGED,
    ) -> None:
        """Write the interview's new state with one Core UPDATE (no ORM flush); an ORM object in hand
        follows. `move_due_at` defaults to the value the interview in hand carries."""
        values = {
            "state": state.value,
            "data": progress.to_json(),
            "updated_at": self.clock(),
            "move_due_at": interview.move_due_at if move_due_at is _UNCHANGED else move_due_at,
        }
        if state is sm.State.COMPLETED and interview.completed_at is None:
            values["completed_at"] = self.clock()
        if isinstance(interview, Interview):
            for key, value in values.items():
                set_committed_value(interview, key, value)  # written: the ORM must not write it again
        connection = await core_connection(s)  # Core on the transaction: no ORM execute path
        await connection.execute(q.SAVE_INTERVIEW, {"interview_id": interview.id, **values})

    async def _say(
        self,
        s: AsyncSession | AsyncConnection,
        interview: InterviewLike,
        progress: sm.Progress,
        who: Address,
        say: sm.Say,
        work: _Work,
        purpose: str = "reply",
    ) -> None:
        key = f"i{interview.id}:{progress.out_seq}"
        progress.out_seq += 1
        work.rows.append(
            await queue_claimed(
                s,
                key,
                who,
                say.text,
                choices=say.choices,
                prompt=say.prompt,
                interview_id=interview.id,
                purpose=purpose,
                claim_until=self.dispatcher.lease(who.platform),
            )
        )

    async def _mark_answered(
        self, s: AsyncSession, interview: Interview, effect: sm.MarkAnswered, work: _Work
    ) -> None:
        params = {"in_interview": interview.id, "asked": effect.prompt, "label": effect.label}
        row = (await (await core_connection(s)).execute(q.MARK_ANSWERED, params)).first()
        if row is not None and row.status == "sent":  # None: no such prompt, or answered already
            fields = {name: getattr(row, name) for name in Queued.__dataclass_fields__}
            work.answered.append((Queued(**fields), effect.label))

    async def _add_turn(
        self,
        s: AsyncSession | AsyncConnection,
        interview: InterviewLike,
        progress: sm.Progress,
        role: str,
        text: str,
        **bookkeeping: object,
    ) -> None:
        progress.turn_seq += 1
        values = dict(q.TURN_DEFAULTS, **bookkeeping)
        values.update(
            interview_id=interview.id or 0,
            seq=progress.turn_seq,
            role=role,
            text=clean_text(text),
            created_at=self.clock(),
        )
        connection = await core_connection(s)  # Core on the transaction: no ORM flush
        await connection.execute(q.INSERT_TURN, values)
        self.transcripts.added(
            values["interview_id"], progress.turn_seq, (role, values["text"], values["created_at"])
        )

    async def _last_question(self, s: AsyncSession, interview: Interview) -> str | None:
        turn = (
            await s.exec(
                select(Turn)
                .where(Turn.interview_id == interview.id, Turn.role == "interviewer")
                .order_by(col(Turn.seq).desc())
            )
        ).first()
        return turn.text if turn else None

    # ---- the interviewer's move --------------------------------------------------------------------

    async def _answer(self, pending: PendingMove) -> _Work:
        """Ask the interviewer (outside any transaction) and store its move, or postpone on an outage."""
        study, allowed = pending.study, pending.guidance
        if allowed.must_close:
            move = Move(MoveKind.CLOSE, study.plan.closing, None, model="budget")
        else:
            try:
                move = await self.interviewer.next_move(pending.context)
            except InterviewerUnavailable as exc:
                log.warning("interviewer unavailable for interview %s: %s", pending.interview_id, exc)
                return await self._postpone(pending, exc)
        return await self._store_move(pending, move)

    async def _postpone(self, pending: PendingMove, error: Exception) -> _Work:
        """No move from the interviewer: tell the participant (once), alert researchers, retry or wait
        as `bot.engine.claude_trouble` decides for this kind of failure."""
        work = _Work()
        async with self.store.session() as s:
            interview = await s.get(Interview, pending.interview_id)
            if interview is None:
                return work
            progress = sm.Progress.from_json(interview.data)
            if progress.move_token != pending.token or not progress.awaiting_move:
                return work
            now = self.clock()
            decision = await trouble.decide(
                s, self.settings, interview, pending.study, pending.who, pending.token, error, now
            )
            for key, to, text in await trouble.unsent_only(s, decision.messages):
                work.rows.append(
                    await queue_claimed(
                        s,
                        key,
                        to,
                        text,
                        interview_id=interview.id if to == pending.who else None,
                        purpose="notice",
                        claim_until=self.dispatcher.lease(to.platform),
                    )
                )
            progress.notified_wait = pending.token
            interview.move_due_at = decision.retry_at
            interview.data = progress.to_json()
            s.add(interview)
        return work

    async def _store_move(self, pending: PendingMove, move: Move) -> _Work:
        work, study, who = _Work(), pending.study, pending.who
        async with self.store.connection() as s:  # Core only: this transaction needs no ORM session
            query = q.INTERVIEW_ROW_FOR_UPDATE if self.store.is_postgres else q.INTERVIEW_ROW
            interview = (await s.execute(query, {"id": pending.interview_id})).one()
            progress = sm.Progress.from_json(interview.data)
            if (
                progress.move_token != pending.token
                or not progress.awaiting_move
                or interview.state != sm.State.INTERVIEWING.value
            ):
                return work  # a newer message or a command overtook this move; its own move will follow
            disposed = dispose(study, progress, move, pending.guidance)
            move, progress = disposed.move, disposed.progress
            covered = sorted(k for k, v in progress.topics.items() if v.get("covered"))
            followups = int(progress.topics.get(move.topic_id or "", {}).get("followups", 0))
            await self._add_turn(
                s,
                interview,
                progress,
                "interviewer",
                move.text,
                topic_id=move.topic_id,
                move=move.kind.value,
                covered=covered,
                followups_used=followups,
                flags=list(move.flags),
                model=move.model,
                input_tokens=move.usage.input_tokens,
                output_tokens=move.usage.output_tokens,
                cache_read_tokens=move.usage.cache_read_tokens,
                cache_write_tokens=move.usage.cache_write_tokens,
            )
            state = sm.State.INTERVIEWING
            if {"abuse", "off_topic"} & set(move.flags):
                progress.flagged_turns += 1
            if move.kind is MoveKind.CLOSE:
                result = sm.begin_survey(study, progress, move.text)
                state, progress = result.state, result.progress
                for effect in result.effects:
                    if isinstance(effect, sm.Say):
                        await self._say(s, interview, progress, who, effect, work)
            elif progress.flagged_turns >= 3:
                await self._say(s, interview, progress, who, sm.Say(ABUSE_END), work)
                state = sm.State.STOPPED
            else:
                await self._say(s, interview, progress, who, sm.Say(move.text), work)
                if "distress" in move.flags:
                    await self._say(
                        s, interview, progress, who, sm.Say(f"{study.support}\n\n{DISTRESS_PAUSE}"), work
                    )
                    progress.paused_from, state = sm.State.INTERVIEWING.value, sm.State.PAUSED
            await self._save(s, interview, state, progress, move_due_at=None)
        return work

    # ---- recovery and periodic work ----------------------------------------------------------------

    async def apply_event(self, interview_id: int, event: sm.Event) -> None:
        """Feed a scheduler event (e.g. `Expire`) to one interview under its participant's lock."""
        async with self.store.session() as s:
            found = (
                await s.exec(select(Participant).join(Interview).where(Interview.id == interview_id))
            ).first()
        if found is None:
            return
        who = Address(found.platform, found.workspace, found.user_id)
        work = _Work()
        async with self._writing(who):
            async with self.store.session() as s:
                query = select(Interview).where(Interview.id == interview_id)
                if self.store.is_postgres:
                    query = query.with_for_update()
                interview = (await s.exec(query)).first()
                if interview is None:
                    return
                await self._run_step(s, interview, who, event, work)
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
        now = self.clock()
        async with self.store.session() as s:
            inbox = (await s.exec(q.WAITING_PARTICIPANTS)).all()
            due = (
                await s.exec(
                    select(Interview.id, Participant.platform, Participant.workspace, Participant.user_id)
                    .join(Participant)
                    .where(col(Interview.move_due_at) <= now)
                )
            ).all()
        # every participant's work, and the sending, is its own failure boundary: one person's failing
        # event is logged (and, after repeated failures, set aside) while everyone else's goes on
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
        async with self.store.session() as s:
            due = (
                await s.exec(
                    select(Interview.id)
                    .join(Participant)
                    .where(
                        col(Interview.move_due_at) <= self.clock(),
                        Participant.platform == who.platform,
                        Participant.workspace == who.workspace,
                        Participant.user_id == who.user_id,
                    )
                )
            ).all()
        for interview_id in due:
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
                await self._finish(await self._answer(pending))
