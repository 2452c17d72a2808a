"""The interviewer's move: asked outside any transaction, then stored only if the interview still waits
for exactly that move (`Progress.move_token`); a newer message or a command makes it stale, and it is
dropped. When the interviewer cannot answer, `bot.engine.claude_trouble` decides what happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.engine import claude_trouble as trouble
from bot.engine import queries as q
from bot.engine.dispatcher import Dispatcher
from bot.engine.effects import Effects, Work
from bot.engine.outbox import queue_claimed
from bot.engine.pending import PendingMove, declined
from bot.errors import InterviewerUnavailable
from bot.interview.conversation import Progress, Say, State
from bot.interview.coverage import dispose
from bot.interview.locales import texts_for
from bot.interview.moves import Move, MoveKind
from bot.interview.transitions import begin_survey
from bot.interviewer.base import Interviewer
from bot.settings import Settings
from bot.storage import CoreRow, Store
from bot.storage.models import Interview

log = logging.getLogger(__name__)
ABUSE_LIMIT = 3  # abusive or off-topic turns before the interview ends politely


class Answers:
    """Asks the interviewer for the move an interview waits for, and stores it."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        interviewer: Interviewer,
        effects: Effects,
        dispatcher: Dispatcher,
        clock: Callable[[], datetime],
    ):
        self.store = store
        self.settings = settings
        self.interviewer = interviewer
        self.effects = effects
        self.dispatcher = dispatcher
        self.clock = clock

    async def answer(self, pending: PendingMove) -> Work:
        """Ask the interviewer (outside any transaction) and store its move, or postpone on an outage."""
        study, allowed = pending.study, pending.guidance
        if allowed.must_close:
            move = Move(MoveKind.CLOSE, study.plan.closing, None, model="budget")
        else:
            try:
                move = await self._ask(pending)
            except InterviewerUnavailable as exc:
                log.warning("interviewer unavailable for interview %s: %s", pending.interview_id, exc)
                return await self._postpone(pending, exc)
        return await self._store(pending, move)

    async def _ask(self, pending: PendingMove) -> Move:
        """The interviewer's move. While it takes longer than CLAUDE_WAIT_NOTICE_SECONDS (Claude slow,
        waiting out a 429's retry-after, or retrying a timeout: the SDK's retries can add up to
        minutes), the participant is told once to give it a moment; the move follows when it comes.
        A timer, not a task, watches the wait: the usual move costs no more than before."""
        loop = asyncio.get_running_loop()
        telling: list[asyncio.Task[None]] = []

        def tell() -> None:
            telling.append(loop.create_task(self._tell_wait(pending)))

        timer = loop.call_later(self.settings.claude_wait_notice_seconds, tell)
        try:
            return await self.interviewer.next_move(pending.context)
        finally:
            timer.cancel()
            # the notice goes out before the move it announced is stored (and sent)
            await asyncio.gather(*telling, return_exceptions=True)

    async def _tell_wait(self, pending: PendingMove) -> None:
        """Queue and send "give me a moment" for this move, once (its key is the one an outage uses)."""
        try:
            await self._queue_wait(pending)
        except Exception as exc:  # a notice is a courtesy: the move is still awaited and stored
            log.warning("could not tell interview %s to wait: %s", pending.interview_id, exc)

    async def _queue_wait(self, pending: PendingMove) -> None:
        key = trouble.notice_key(pending.interview_id, "wait", pending.token)
        async with self.store.session() as s:
            interview = await s.get(Interview, pending.interview_id)
            if interview is None or interview.state != State.INTERVIEWING.value:
                return
            progress = Progress.from_json(interview.data)
            if progress.move_token != pending.token or not progress.awaiting_move:
                return  # a newer message overtook this move: its own move will be asked for
            wait = texts_for(pending.study.language).wait
            if not await trouble.unsent_only(s, [(key, pending.who, wait)]):
                return
            row = await queue_claimed(
                s,
                key,
                pending.who,
                wait,
                interview_id=interview.id,
                purpose="notice",
                claim_until=self.dispatcher.lease(pending.who.platform),
            )
        log.info("interview %s: the next question is slow; the participant was asked to wait", interview.id)
        if row.status == "sending":
            await self.dispatcher.deliver([row])

    async def _postpone(self, pending: PendingMove, error: Exception) -> Work:
        """No move from the interviewer: tell the participant (once), alert researchers, retry or wait
        as `bot.engine.claude_trouble` decides for this kind of failure."""
        work = Work()
        async with self.store.session() as s:
            interview = await s.get(Interview, pending.interview_id)
            if interview is None:
                return work
            progress = Progress.from_json(interview.data)
            if progress.move_token != pending.token or not progress.awaiting_move:
                return work
            now = self.clock()
            decision = await trouble.decide(
                s, self.settings, interview, pending.study, pending.who, pending.token, error, now
            )
            for key, to, text in await trouble.unsent_only(s, decision.messages):
                row = await queue_claimed(
                    s,
                    key,
                    to,
                    text,
                    interview_id=interview.id if to == pending.who else None,
                    purpose="notice",
                    claim_until=self.dispatcher.lease(to.platform),
                )
                work.rows.append(row)
            progress.notified_wait = pending.token
            if getattr(error, "kind", None) == "refusal":
                progress.declined_turns = declined(progress, pending.context)
            interview.move_due_at = decision.retry_at
            interview.data = progress.to_json()
            s.add(interview)
        return work

    async def _store(self, pending: PendingMove, move: Move) -> Work:
        work = Work()
        async with self.store.connection() as s:  # Core only: this transaction needs no ORM session
            query = q.INTERVIEW_ROW_FOR_UPDATE if self.store.is_postgres else q.INTERVIEW_ROW
            interview = (await s.execute(query, {"id": pending.interview_id})).one()
            progress = Progress.from_json(interview.data)
            if (
                progress.move_token != pending.token
                or not progress.awaiting_move
                or interview.state != State.INTERVIEWING.value
            ):
                return work  # a newer message or a command overtook this move; its own move will follow
            disposed = dispose(pending.study, progress, move, pending.guidance)
            move, progress = disposed.move, disposed.progress
            await self._add_move_turn(s, interview, progress, move)
            state, progress = await self._reply(s, interview, progress, pending, move, work)
            await self.effects.save(s, interview, state, progress, None)
        return work

    async def _add_move_turn(
        self, s: AsyncConnection, interview: CoreRow, progress: Progress, move: Move
    ) -> None:
        """The interviewer's turn, with what the code decided about it (topic, coverage, flags, usage)."""
        covered = sorted(k for k, v in progress.topics.items() if v.get("covered"))
        followups = int(progress.topics.get(move.topic_id or "", {}).get("followups", 0))
        await self.effects.add_turn(
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

    async def _reply(
        self,
        s: AsyncConnection,
        interview: CoreRow,
        progress: Progress,
        pending: PendingMove,
        move: Move,
        work: Work,
    ) -> tuple[State, Progress]:
        """Queue what the move says (the closing text and the survey, an ending after repeated abuse, a
        pause on signs of distress); returns the interview's new state and progress."""
        say, who, study = self.effects.say, pending.who, pending.study
        if {"abuse", "off_topic"} & set(move.flags):
            progress.flagged_turns += 1
        if move.kind is MoveKind.CLOSE:
            result = begin_survey(study, progress, move.text)
            for effect in result.effects:
                if isinstance(effect, Say):
                    await say(s, interview, result.progress, who, effect, work)
            return result.state, result.progress
        if progress.flagged_turns >= ABUSE_LIMIT:
            await say(s, interview, progress, who, Say(texts_for(study.language).abuse_end), work)
            return State.STOPPED, progress
        await say(s, interview, progress, who, Say(move.text), work)
        if "distress" in move.flags:
            await say(
                s,
                interview,
                progress,
                who,
                Say(f"{study.support}\n\n{texts_for(study.language).distress_pause}"),
                work,
            )
            progress.paused_from = State.INTERVIEWING.value
            return State.PAUSED, progress
        return State.INTERVIEWING, progress
