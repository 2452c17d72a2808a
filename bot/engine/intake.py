"""A participant's inbox, applied: the unprocessed rows are claimed, grouped (quick messages become one
turn) and fed to their interview as state-machine events, all in one transaction with the effects.

After a failure the rows are applied one group at a time, each in its own transaction, so an event that
keeps failing is set aside as a dead letter (`bot.engine.dead_letters`) while the others go on in order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.engine import dead_letters
from bot.engine import queries as q
from bot.engine.dispatcher import Dispatcher
from bot.engine.effects import Effects, Work
from bot.engine.inbox import Inbox, coalesce, event_for
from bot.engine.outbox import queue_claimed
from bot.engine.participants import create_participant
from bot.engine.pending import pending_move
from bot.engine.preferences import set_opted_out
from bot.engine.transcripts import TranscriptCache
from bot.interview import conversation as c
from bot.interview.conversation import reopens
from bot.interview.locales import study_texts
from bot.interview.prompts import is_not_now
from bot.interview.texts import Texts
from bot.messages import Address, utcnow
from bot.settings import Settings
from bot.storage import Store
from bot.storage.models import Interview, Participant, StudyVersion
from bot.studies.catalog import Catalog

# Commands answered without starting an interview when the person has none yet.
NO_INTERVIEW_NEEDED = frozenset({"optout", "optin", "mydata", "withdraw", "stop", "pause"})


class Intake:
    """Applies a participant's inbox rows; the caller holds the participant's lock."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        settings: Settings,
        effects: Effects,
        dispatcher: Dispatcher,
        transcripts: TranscriptCache,
        languages: frozenset[str],
        clock: Callable[[], datetime],
    ):
        self.store = store
        self.catalog = catalog
        self.settings = settings
        self.effects = effects
        self.dispatcher = dispatcher
        self.transcripts = transcripts
        self.languages = languages
        self.clock = clock

    async def apply(self, who: Address, ids: list[int] | None = None) -> Work:
        """Apply `who`'s unprocessed events (or only the rows `ids`) in one transaction."""
        work = Work()
        async with self.store.session() as s:
            connection = await s.connection()
            rows = await self._claim(connection, who, ids, work)
            if not rows:
                return work
            participant, interview = await self._participant_and_interview(s, who, rows[0])
            if participant.unreachable:  # they wrote to us, so messages reach them again
                participant.unreachable = False
                s.add(participant)
            for n, group in enumerate(coalesce(rows, self.languages)):
                found = interview if n == 0 else await self._interview_for(s, participant, group[0])
                await self._apply_event(s, participant, who, group, work, found)
            for interview, address in work.due:
                study = await self.catalog.at(self.store, interview.study_id, interview.study_version)
                pending = await pending_move(
                    s, interview, study, address, self.settings.max_message_chars, self.transcripts
                )
                if pending is not None:
                    work.moves.append(pending)
            await connection.execute(q.FORGET_INBOX_TEXT, {"ids": [row.id for row in rows]})
        return work

    async def apply_one_by_one(self, who: Address) -> Work:
        """After a failure: apply `who`'s events one group at a time, each in its own transaction, so that
        one which keeps failing is set aside (a dead letter) and the others, in order, still go on."""
        work = Work()
        async with self.store.connection() as conn:
            rows = (await conn.execute(q.UNPROCESSED_INBOX, {"key": who.key})).all()
        for group in coalesce(rows, self.languages):
            await self._apply_group(who, [row.id for row in group], work)
        return work

    async def _apply_group(self, who: Address, ids: list[int], work: Work) -> None:
        while True:
            tries = await dead_letters.count_try(self.store, ids)  # counted first: a crash counts too
            if tries == 0:
                return  # another worker processed them meanwhile
            if tries > dead_letters.MAX_ATTEMPTS:
                lease = self.dispatcher.lease(who.platform)
                work.rows += await dead_letters.set_aside(
                    self.store, ids, who, self.clock(), lease, self.texts_of
                )
                return
            try:
                done = await self.apply(who, ids)
            except Exception as exc:
                self.transcripts.forget()
                if dead_letters.is_transient(exc):
                    raise
                await dead_letters.note_failure(self.store, ids, exc)
                await dead_letters.pause_before_retry(tries)
                continue
            work.add(done)
            return

    async def _claim(
        self, connection: AsyncConnection, who: Address, ids: list[int] | None, work: Work
    ) -> list[Inbox]:
        """Mark the rows processed and read them in one statement (Core rows, read-only). With none
        claimed, `work.wait` says how long the newest waiting message still needs to be quiet."""
        window = 0.0 if ids is not None else self.settings.coalesce_for(who.platform)
        if ids is not None:  # chosen rows after a failure (bot.engine.dead_letters): already due
            found = await connection.execute(q.CLAIM_INBOX_IDS, {"ids": ids, "now": self.clock()})
        elif window > 0:  # wall-clock time, as the inbox rows' received_at
            cutoff = utcnow() - timedelta(seconds=window)
            params = {"key": who.key, "now": self.clock(), "cutoff": cutoff}
            found = await connection.execute(q.CLAIM_INBOX_QUIET, params)
        else:
            found = await connection.execute(q.CLAIM_INBOX, {"key": who.key, "now": self.clock()})
        rows = sorted(found.all(), key=q.written_order)
        if not rows and window > 0:
            newest = (await connection.execute(q.NEWEST_PENDING, {"key": who.key})).scalar()
            if newest is not None:
                work.wait = max((newest - utcnow()).total_seconds() + window, 0.01)
        return rows

    async def _participant_and_interview(
        self, s: AsyncSession, who: Address, row: Inbox
    ) -> tuple[Participant, Interview | None]:
        """`who`, locked, and the interview `row` is for, in one query (a new participant: two)."""
        which = "id" if row.interview_id is not None else "study" if row.study_id is not None else "latest"
        params: dict[str, Any] = {
            "platform": who.platform,
            "workspace": who.workspace,
            "user_id": who.user_id,
        }
        params.update(id=row.interview_id, study_id=row.study_id)
        found = (await s.exec(q.PARTICIPANT_WITH[which, self.store.is_postgres], params=params)).first()
        if found is not None:
            return found[0], found[1]
        participant, created = await create_participant(
            s, who, postgres=self.store.is_postgres
        )  # first contact
        return participant, None if created else await self._interview_for(s, participant, row)

    async def _interview_for(self, s: AsyncSession, participant: Participant, row: Inbox) -> Interview | None:
        if row.interview_id is not None:
            query, params = q.INTERVIEW_BY_ID, {"participant_id": participant.id, "id": row.interview_id}
        elif row.study_id is not None:
            query, params = q.INTERVIEW_BY_STUDY, {"participant_id": participant.id, "study_id": row.study_id}
        else:
            query, params = q.INTERVIEW_LATEST, {"participant_id": participant.id}
        return (await s.exec(query, params=params)).first()

    async def _apply_event(
        self,
        s: AsyncSession,
        participant: Participant,
        who: Address,
        rows: list[Inbox],
        work: Work,
        interview: Interview | None,
    ) -> None:
        first, event = rows[0], event_for(rows, self.languages)
        if interview is None and isinstance(event, c.Command) and event.name in NO_INTERVIEW_NEEDED:
            # an invitation preference, or a question about data we do not hold, needs no interview:
            # do not start one just to answer it
            if event.name in ("optout", "optin"):
                await set_opted_out(s, participant, event.name == "optout", self.clock())
            texts = self.texts_of(first.study_id)
            text = {"optout": texts.optout_text, "optin": texts.optin_text}.get(
                event.name, texts.nothing_held_text
            )
            await self._notice(s, who, f"inbox:{first.id}:{event.name}", text, work)
            return
        if is_not_now(first.choice) and (interview is None or interview.state in c.TERMINAL):
            # "Not now" with nothing to decline: answer, but never start an interview for it
            texts = self.texts_of(interview.study_id if interview else first.study_id)
            await self._notice(s, who, f"inbox:{first.id}:not-now", texts.not_now_text, work)
            return
        if interview is None or _starts_anew(first, interview):
            interview = await self._start(s, participant, who, first, interview, work)
            if interview is None:
                return
            event = c.Begin(event.attachments if isinstance(event, c.Message) else 0)
        await self.effects.run_step(s, interview, who, event, work)

    async def _start(
        self,
        s: AsyncSession,
        participant: Participant,
        who: Address,
        first: Inbox,
        previous: Interview | None,
        work: Work,
    ) -> Interview | None:
        """A new interview of the study the row is for (else the last one's, else the default), or None
        with a notice when no study is open."""
        study_id = first.study_id or (previous.study_id if previous else None) or self._default_study()
        if study_id is not None and self.catalog.get(study_id) is None:  # e.g. an old invitation's button
            study_id = None
        closed = study_id is not None and not await self.study_open(s, study_id)
        if study_id is None or closed:
            texts = self.texts_of(study_id)
            await self._notice(
                s, who, f"inbox:{first.id}:no-study", texts.not_open if closed else texts.no_study, work
            )
            return None
        return await self.effects.new_interview(s, participant.id or 0, who, study_id)

    async def _notice(self, s: AsyncSession, who: Address, key: str, text: str, work: Work) -> None:
        lease = self.dispatcher.lease(who.platform)
        work.rows.append(await queue_claimed(s, key, who, text, purpose="notice", claim_until=lease))

    async def study_open(self, s: AsyncSession, study_id: str) -> bool:
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

    def texts_of(self, study_id: str | None) -> Texts:
        """The fixed texts in the language of the study `study_id` (English where none is known)."""
        study = self.catalog.get(study_id) if study_id else None
        return study_texts(study)

    def _default_study(self) -> str | None:
        ids = self.catalog.ids()
        if self.settings.default_study in ids:
            return self.settings.default_study
        return ids[0] if ids else None


def _starts_anew(first: Inbox, interview: Interview) -> bool:
    """ "Take part" on an interview that has ended starts a new one, unless it reopens a "Not now"."""
    state = c.State(interview.state)
    return (
        first.prompt == "start"
        and state in c.TERMINAL
        and not reopens(state, c.Progress.from_json(interview.data))
    )
