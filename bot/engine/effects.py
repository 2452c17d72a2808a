"""Carrying out a step's effects inside the caller's transaction: turns, answers and consent are written
with Core statements (no ORM flush on the hot path), replies are queued as outbox rows this worker has
claimed, and the interview's new state is saved last. What must wait for the commit goes into `Work`."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine import queries as q
from bot.engine.dispatcher import Dispatcher
from bot.engine.inbox import clean_text
from bot.engine.outbox import Queued, Sendable, queue_claimed
from bot.engine.participants import lock_participant
from bot.engine.pending import PendingMove
from bot.engine.preferences import close_invitation, reopen_invitation, set_opted_out, snooze
from bot.engine.transcripts import TranscriptCache
from bot.interview import conversation as c
from bot.interview import transitions
from bot.interview.locales import texts_for
from bot.interviewer.base import Interviewer
from bot.messages import Address, utcnow
from bot.records.erasure import Erased, withdraw
from bot.records.own_data import own_data_messages
from bot.records.pseudonym import Pseudonyms
from bot.storage import CoreRow, Store, core_connection
from bot.storage.models import Interview, Turn
from bot.studies.catalog import Catalog
from bot.studies.study import Study

InterviewLike = Interview | CoreRow  # an ORM interview, or a Core row with the columns `save` reads


@dataclass
class Work:
    """What a transaction left to do once it has committed."""

    rows: list[Sendable] = field(default_factory=list)  # claimed by this worker: send them
    answered: list[tuple[Sendable, str, str]] = field(default_factory=list)  # sent prompts, answer, note
    moves: list[PendingMove] = field(default_factory=list)  # interviewer moves now due
    erased: list[Erased] = field(default_factory=list)  # withdrawals: log checkpoint, cache files
    wait: float | None = None  # nothing claimed: seconds until the newest waiting message is quiet
    due: list[tuple[Interview, Address]] = field(default_factory=list)  # asked for a move in this step

    def add(self, other: Work) -> None:
        """Take on what another transaction left to do after its commit."""
        self.rows += other.rows
        self.answered += other.answered
        self.moves += other.moves
        self.erased += other.erased


@dataclass
class Doing:
    """One step being carried out: its transaction, the interview, and what the step changes."""

    s: AsyncSession
    interview: Interview
    who: Address
    study: Study
    progress: c.Progress
    work: Work
    move_due_at: datetime | None


class Effects:
    """Writes what `bot.interview.transitions.step` decided, one effect type at a time."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        pseudonyms: Pseudonyms,
        dispatcher: Dispatcher,
        transcripts: TranscriptCache,
        clock: Callable[[], datetime],
        interviewer: Interviewer,
    ):
        self.store = store
        self.catalog = catalog
        self.pseudonyms = pseudonyms
        self.dispatcher = dispatcher
        self.transcripts = transcripts
        self.clock = clock
        self.interviewer = interviewer  # named on each new interview
        self._handlers: dict[type, Callable[[Doing, Any], Awaitable[None]]] = {
            c.Say: self._say,
            c.RecordTurn: self._record_turn,
            c.RecordAnswer: self._record_answer,
            c.RecordConsent: self._record_consent,
            c.MarkAnswered: self._mark_answered,
            c.AskInterviewer: self._ask_interviewer,
            c.RepeatQuestion: self._repeat_question,
            c.DeleteData: self._delete_data,
            c.StartOver: self._start_over,
            c.Snooze: self._snooze,
            c.SetOptOut: self._set_opt_out,
            c.CloseInvitation: self._close_invitation,
            c.ReopenInvitation: self._reopen_invitation,
            c.SendOwnData: self._send_own_data,
        }

    async def run_step(
        self, s: AsyncSession, interview: Interview, who: Address, event: c.Event, work: Work
    ) -> None:
        """Advance `interview` by `event` and carry out every effect, then save its new state."""
        study = await self.catalog.at(self.store, interview.study_id, interview.study_version)
        state, progress = c.State(interview.state), c.Progress.from_json(interview.data)
        result = transitions.step(study, state, progress, event)
        doing = Doing(s, interview, who, study, result.progress, work, interview.move_due_at)
        for effect in result.effects:
            await self._handlers[type(effect)](doing, effect)
        if not doing.progress.awaiting_move:
            doing.move_due_at = None
        await self.save(s, interview, result.state, doing.progress, doing.move_due_at)

    async def new_interview(
        self, s: AsyncSession, participant_id: int, who: Address, study_id: str
    ) -> Interview:
        current = self.catalog.current(study_id)
        interview = Interview(
            participant_id=participant_id,
            study_id=study_id,
            study_version=current.version,
            plan_hash=current.plan_hash,
            participant_code=self.pseudonyms.code(study_id, who),
            state=c.State.INVITED.value,
            interviewer=self.interviewer.name,
            data=c.Progress().to_json(),
        )
        s.add(interview)
        await s.flush()
        return interview

    async def save(
        self,
        s: AsyncSession | AsyncConnection,
        interview: InterviewLike,
        state: c.State,
        progress: c.Progress,
        move_due_at: datetime | None,
    ) -> None:
        """Write the interview's new state with one Core UPDATE (no ORM flush)."""
        values = {
            "state": state.value,
            "data": progress.to_json(),
            "updated_at": self.clock(),
            "move_due_at": move_due_at,
        }
        if state is c.State.COMPLETED and interview.completed_at is None:
            values["completed_at"] = self.clock()
        if isinstance(interview, Interview):
            # the object in hand follows, as already written: the ORM must not write it again at commit
            for key, value in values.items():
                set_committed_value(interview, key, value)
        connection = await core_connection(s)  # Core on the transaction: no ORM execute path
        await connection.execute(q.SAVE_INTERVIEW, {"interview_id": interview.id, **values})

    async def say(
        self,
        s: AsyncSession | AsyncConnection,
        interview: InterviewLike,
        progress: c.Progress,
        who: Address,
        say: c.Say,
        work: Work,
    ) -> None:
        """Queue a message in the interview, claimed by this worker to send after commit."""
        key = f"i{interview.id}:{progress.out_seq}"
        progress.out_seq += 1
        row = await queue_claimed(
            s,
            key,
            who,
            say.text,
            choices=say.choices,
            prompt=say.prompt,
            interview_id=interview.id,
            claim_until=self.dispatcher.lease(who.platform),
        )
        work.rows.append(row)

    async def add_turn(
        self,
        s: AsyncSession | AsyncConnection,
        interview: InterviewLike,
        progress: c.Progress,
        role: str,
        text: str,
        **bookkeeping: object,
    ) -> None:
        """Append a turn to the transcript (and to the cached transcript of this process)."""
        progress.turn_seq += 1
        interview_id, text, at = interview.id or 0, clean_text(text), self.clock()
        values = dict(q.TURN_DEFAULTS, **bookkeeping)
        values.update(interview_id=interview_id, seq=progress.turn_seq, role=role, text=text, created_at=at)
        connection = await core_connection(s)  # Core on the transaction: no ORM flush
        await connection.execute(q.INSERT_TURN, values)
        self.transcripts.added(interview_id, progress.turn_seq, (role, text, at))

    # ---- one handler per effect type ---------------------------------------------------------------

    async def _say(self, at: Doing, effect: c.Say) -> None:
        await self.say(at.s, at.interview, at.progress, at.who, effect, at.work)

    async def _record_turn(self, at: Doing, effect: c.RecordTurn) -> None:
        await self.add_turn(at.s, at.interview, at.progress, "participant", effect.text)

    async def _record_answer(self, at: Doing, effect: c.RecordAnswer) -> None:
        screening = effect.section == "screening"
        values = {
            "interview_id": at.interview.id or 0,
            "question_id" if screening else "item_id": effect.item_id,
            "value": effect.value,
            "created_at": utcnow(),
        }
        connection = await core_connection(at.s)  # Core inserts: no ORM objects to flush
        await connection.execute(q.INSERT_SCREENING if screening else q.INSERT_SURVEY, values)

    async def _record_consent(self, at: Doing, effect: c.RecordConsent) -> None:
        digest = hashlib.sha256(at.study.consent.text.encode()).hexdigest()
        values = {"interview_id": at.interview.id or 0, "kind": effect.kind, "granted": effect.granted}
        values.update(text_hash=digest, created_at=utcnow())
        await (await core_connection(at.s)).execute(q.INSERT_CONSENT, values)

    async def _mark_answered(self, at: Doing, effect: c.MarkAnswered) -> None:
        params = {"in_interview": at.interview.id, "asked": effect.prompt, "label": effect.label}
        row = (await (await core_connection(at.s)).execute(q.MARK_ANSWERED, params)).first()
        if row is not None and row.status == "sent":  # None: no such prompt, or answered already
            fields = {name: getattr(row, name) for name in Queued.__dataclass_fields__}
            at.work.answered.append(
                (Queued(**fields), effect.label, texts_for(at.study.language).you_answered)
            )

    async def _ask_interviewer(self, at: Doing, effect: c.AskInterviewer) -> None:
        at.move_due_at = self.clock()  # saved with the state: a crash before the answer leaves it due
        at.work.due.append((at.interview, at.who))

    async def _repeat_question(self, at: Doing, effect: c.RepeatQuestion) -> None:
        last = (
            await at.s.exec(
                select(Turn.text)
                .where(Turn.interview_id == at.interview.id, Turn.role == "interviewer")
                .order_by(col(Turn.seq).desc())
            )
        ).first()
        if last:
            await self._say(at, c.Say(texts_for(at.study.language).where_we_left_off.format(question=last)))

    async def _delete_data(self, at: Doing, effect: c.DeleteData) -> None:
        erased = await withdraw(at.s, at.interview.participant_id, at.who.key, at.interview.study_id)
        for erased_id in erased.interview_ids:
            self.transcripts.forget(erased_id)
        at.work.erased.append(erased)

    async def _start_over(self, at: Doing, effect: c.StartOver) -> None:
        participant = await lock_participant(at.s, at.who, postgres=self.store.is_postgres)
        fresh = await self.new_interview(at.s, participant.id or 0, at.who, at.interview.study_id)
        await self.run_step(at.s, fresh, at.who, c.Begin(), at.work)

    async def _snooze(self, at: Doing, effect: c.Snooze) -> None:
        await snooze(at.s, at.interview.id, self.clock(), effect.duration)

    async def _set_opt_out(self, at: Doing, effect: c.SetOptOut) -> None:
        participant = await lock_participant(at.s, at.who, postgres=self.store.is_postgres)
        await set_opted_out(at.s, participant, effect.value, self.clock())

    async def _close_invitation(self, at: Doing, effect: c.CloseInvitation) -> None:
        await close_invitation(at.s, at.interview.id)

    async def _reopen_invitation(self, at: Doing, effect: c.ReopenInvitation) -> None:
        await reopen_invitation(at.s, at.interview.id, self.clock())

    async def _send_own_data(self, at: Doing, effect: c.SendOwnData) -> None:
        for piece in await own_data_messages(at.s, at.interview, texts_for(at.study.language)):
            await self._say(at, c.Say(piece))
