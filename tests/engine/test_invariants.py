"""The engine's promises: persist before reply, exactly-once replies after a crash, withdrawal deletes,
bad input gets an answer, Claude outages cost one notice and no turn."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from sqlmodel import col, select

from bot.engine.participants import create_participant, lock_participant
from bot.interview.locales import ENGLISH
from bot.interview.moves import Move
from bot.interviewer.base import InterviewContext
from bot.interviewer.claude import ClaudeInterviewer
from bot.interviewer.scripted import OfflineInterviewer
from bot.messages import Address, Inbound
from bot.runtime import Runtime
from bot.storage.models import (
    ConsentRecord,
    InboxRow,
    Interview,
    OutboxRow,
    Participant,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
)
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.helpers import Console, HangingInterviewer, kill, settings_for, start_runtime

WHO = Address("console", "local", "tester")
LONG_ANSWER = (
    "I use it for drafting specifications and for summarising long meeting notes at work every week."
)


class CountingInterviewer(OfflineInterviewer):
    def __init__(self) -> None:
        self.calls: list[InterviewContext] = []

    async def next_move(self, context: InterviewContext) -> Move:
        self.calls.append(context)
        return await super().next_move(context)


async def _to_first_question(c: Console) -> None:
    for text in ("hi", "1", "1", "1"):
        await c.say(text)
    assert c.texts[-1].startswith("Which tasks"), c.texts[-1]


async def _replies_after(runtime, interview_id: int, after_id: int) -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    async with runtime.store.session() as s:
        return list(
            (
                await s.exec(
                    select(OutboxRow).where(
                        OutboxRow.interview_id == interview_id, col(OutboxRow.id) > after_id
                    )
                )
            ).all()
        )


async def test_crash_between_storing_and_replying_is_answered_once_after_restart(
    database_url: str, study_dir: Path
) -> None:
    settings = settings_for(database_url, study_dir)
    first = await start_runtime(settings)
    c = Console(first)
    await _to_first_question(c)
    hanging = HangingInterviewer()
    first.engine.interviewer = hanging
    await first.engine.receive(Inbound(WHO, "m-crash", text=LONG_ANSWER))
    await asyncio.wait_for(hanging.entered.wait(), 5)
    async with first.store.session() as s:
        last_out = max(r.id for r in (await s.exec(select(OutboxRow))).all())
    await kill(first)

    async with start_runtime(settings) as second:
        c2 = Console(second)  # registers a console sender for the restarted process
        async with second.store.session() as s:
            interview = (await s.exec(select(Interview))).one()
            stored = (await s.exec(select(Turn).where(Turn.role == "participant"))).all()
        assert [t.text for t in stored] == [LONG_ANSWER], (
            "the message was committed before the model was asked"
        )
        assert interview.move_due_at is not None
        await second.engine.recover()
        await second.engine.recover()  # a second recovery finds nothing left to do
        await second.engine.drain()
        replies = await _replies_after(second, interview.id, last_out)
        assert len(replies) == 1 and replies[0].status == "sent"
        assert c2.texts == [replies[0].text] and "How do you check" in replies[0].text


async def test_crash_before_processing_still_answers_the_stored_message_once(
    sqlite_url: str, study_dir: Path
) -> None:
    settings = settings_for(sqlite_url, study_dir)
    first = await start_runtime(settings)
    c = Console(first)
    await _to_first_question(c)
    first.engine.settings = settings_for(
        sqlite_url, study_dir, coalesce_seconds=60
    )  # still waiting when killed
    await first.engine.receive(Inbound(WHO, "m-early", text=LONG_ANSWER))
    await kill(first)

    async with start_runtime(settings) as second:
        c2 = Console(second)
        await second.engine.recover()
        await second.engine.receive(Inbound(WHO, "m-early", text=LONG_ANSWER))  # the platform retries too
        await second.engine.drain()
        assert len(c2.texts) == 1 and "How do you check" in c2.texts[0]
        async with second.store.session() as s:
            assert len((await s.exec(select(Turn).where(Turn.role == "participant"))).all()) == 1


async def test_withdrawal_hard_deletes_content_and_keeps_a_tombstone(
    database_url: str, study_dir: Path
) -> None:
    async with start_runtime(settings_for(database_url, study_dir)) as runtime:
        c = Console(runtime)
        await _to_first_question(c)
        await c.say("My secret answer about the Henderson account.")
        await c.say("withdraw")
        assert c.last.prompt == "withdraw"
        await c.say("1")
        assert "has been deleted" in c.texts[-1]
        async with runtime.store.session() as s:
            interview = (await s.exec(select(Interview))).one()
            assert interview.state == "withdrawn"
            for model in (Turn, ScreeningAnswer, SurveyAnswer):
                assert (await s.exec(select(model))).all() == []
            inbox_texts = [r.text for r in (await s.exec(select(InboxRow))).all()]
            assert not any("Henderson" in t for t in inbox_texts)
            outbox = (
                await s.exec(
                    select(OutboxRow)
                    .where(OutboxRow.interview_id == interview.id)
                    .order_by(col(OutboxRow.id))
                )
            ).all()
            assert [r.text for r in outbox[:-1]] == [""] * (len(outbox) - 1)
            assert outbox[-1].text.startswith("Done: everything you told us in this study")
            assert (await s.exec(select(ConsentRecord))).all() == []


async def test_pause_and_resume_repeat_the_last_question(runtime: Runtime) -> None:
    c = Console(runtime)
    await _to_first_question(c)
    await c.say("pause")
    assert c.texts[-1].startswith("Paused.")
    await c.say("resume")
    assert c.texts[-2:] == ["Welcome back.", "Where we left off: Which tasks do you use tools for?"]
    await c.say("help")
    assert "withdraw" in c.texts[-1]
    await c.say(LONG_ANSWER)
    assert "How do you check" in c.texts[-1]


async def test_bad_input_gets_clear_answers_and_nothing_is_lost(sqlite_url: str, study_dir: Path) -> None:
    counting = CountingInterviewer()
    async with start_runtime(
        settings_for(sqlite_url, study_dir, max_message_chars=1000), counting
    ) as runtime:
        c = Console(runtime)
        await _to_first_question(c)
        await c.say("   ")
        assert "didn't catch any text" in c.texts[-1]
        await runtime.engine.receive(Inbound(WHO, "file-only", text="", attachments=1))
        await runtime.engine.drain()
        assert "I can only read text, so I have not opened or kept your file" in c.texts[-1]
        huge = "word " * 10_000
        await c.say(huge)
        assert "was 50,000 characters long" in c.texts[-2], "the participant is told the message was cut"
        await c.say("Tabs\tand bells\x07\x1b[31m and emoji 🎨🧪 and 中文 stay")
        async with runtime.store.session() as s:
            turns = (
                await s.exec(select(Turn).where(Turn.role == "participant").order_by(col(Turn.seq)))
            ).all()
            stored = (await s.exec(select(InboxRow).where(InboxRow.original_chars.is_not(None)))).one()
        assert len(turns[0].text) <= 1000, "a huge message is cut to MAX_MESSAGE_CHARS where it is stored"
        assert len(stored.text) <= 1000 and stored.original_chars == len(huge)
        assert turns[1].text == "Tabs\tand bells[31m and emoji 🎨🧪 and 中文 stay"
        assert len(counting.calls[-2].transcript[-1].text) <= 1000
        assert c.texts[-1] and c.last.prompt is None


async def test_distress_gets_support_text_and_a_pause(runtime: Runtime) -> None:
    c = Console(runtime)
    await _to_first_question(c)
    await c.say("Honestly I feel overwhelmed and hopeless about work lately, it is a lot to carry.")
    assert "talk to someone you trust" in c.texts[-1]
    async with runtime.store.session() as s:
        interview = (await s.exec(select(Interview))).one()
        flagged = (await s.exec(select(Turn).where(Turn.role == "interviewer"))).all()[-1]
    assert interview.state == "paused" and "distress" in flagged.flags


async def test_three_abusive_turns_end_the_interview_politely(runtime: Runtime) -> None:
    c = Console(runtime)
    await _to_first_question(c)
    for _ in range(3):
        await c.say("shut up you stupid bot")
    assert c.texts[-1] == "I'll end our conversation here. Thank you for your time."
    async with runtime.store.session() as s:
        assert (await s.exec(select(Interview))).one().state == "stopped"


async def test_an_edited_plan_is_a_new_version_and_running_interviews_keep_theirs(
    tmp_path: Path, study_dir: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'v.db'}"
    async with start_runtime(settings_for(url, study_dir)) as first:
        await _to_first_question(Console(first))
    path = study_dir / "pilot-study.yaml"
    data = yaml.safe_load(path.read_text())
    data["plan"]["topics"][1]["question"] = "What do you do to verify what the tool gives you?"
    path.write_text(yaml.safe_dump(data))
    async with start_runtime(settings_for(url, study_dir)) as second:
        assert second.catalog.current("pilot-study").version == 2
        c2 = Console(second)
        await c2.say(LONG_ANSWER)
        assert "How do you check the tools' output?" in c2.texts[-1], "the old interview keeps plan v1"
        other = Console(second, name="newcomer")
        for text in ("hi", "1", "1", "1"):
            await other.say(text)
        async with second.store.session() as s:
            versions = [
                i.study_version for i in (await s.exec(select(Interview).order_by(col(Interview.id)))).all()
            ]
        assert versions == [1, 2]


async def test_claude_outage_sends_one_notice_and_answers_after_recovery(
    sqlite_url: str, study_dir: Path
) -> None:
    async with FakeAnthropic() as fake:
        fake.responder = lambda body: {
            "message": "Which tasks do you use tools for?",
            "move": "ask",
            "topic_id": "tasks",
            "covered_topics": [],
            "flags": [],
        }
        settings = settings_for(
            sqlite_url,
            study_dir,
            anthropic_api_key="test-key",
            anthropic_base_url=fake.base_url,
            anthropic_max_retries=1,
            anthropic_timeout_seconds=2,
            retry_after_seconds=0.2,
        )
        async with start_runtime(settings, ClaudeInterviewer(settings)) as runtime:
            c = Console(runtime)
            await _to_first_question(c)
            await fake.go_down()
            await c.say(LONG_ANSWER)
            assert c.texts[-1] == ENGLISH.wait
            await asyncio.sleep(0.3)
            await runtime.engine.tick()  # still down: retried, no second notice
            assert c.texts.count(ENGLISH.wait) == 1
            fake.responder = lambda body: {
                "message": "How do you check the tools' output?",
                "move": "transition",
                "topic_id": "trust",
                "covered_topics": ["tasks"],
                "flags": [],
            }
            await fake.recover()
            await asyncio.sleep(0.5)  # the wait doubled after the second failure (back-off)
            await runtime.engine.tick()
            assert c.texts[-1] == "How do you check the tools' output?"
            assert c.texts.count(ENGLISH.wait) == 1
            async with runtime.store.session() as s:
                turns = (await s.exec(select(Turn).order_by(col(Turn.seq)))).all()
            assert [t.role for t in turns] == ["interviewer", "participant", "interviewer"]
            assert turns[-1].model and turns[-1].input_tokens > 0 and turns[-1].covered == ["tasks"]


def test_transcript_cache_serves_only_complete_transcripts() -> None:
    from datetime import UTC, datetime

    from bot.engine.transcripts import TranscriptCache

    at = datetime(2026, 1, 1, tzinfo=UTC)
    cache = TranscriptCache(size=2)
    assert cache.get(9, 0) == []  # no turns counted: nothing to read, cached or not
    cache.added(1, 1, ("interviewer", "q1", at))
    cache.added(1, 2, ("participant", "a1", at))
    assert cache.get(1, 2) == [("interviewer", "q1", at), ("participant", "a1", at)]
    assert cache.get(1, 3) is None  # the interview counts a turn written elsewhere: read it
    cache.added(1, 2, ("participant", "a1, again", at))  # a retried write replaces turn 2
    assert [text for _, text, _ in cache.get(1, 2) or []] == ["q1", "a1, again"]
    cache.added(2, 5, ("participant", "late", at))  # turns 1-4 unknown here: nothing kept
    assert cache.get(2, 5) is None and cache.get(2, 1) is None
    cache.store(3, [("interviewer", "x", at)])
    cache.store(4, [("interviewer", "y", at)])  # size 2: the least recently used entry (1) goes
    assert cache.get(1, 2) is None and cache.get(3, 1) is not None


async def test_two_workers_taking_turns_on_one_interview_give_the_interviewer_every_turn(
    database_url: str, study_dir: Path
) -> None:
    """Each process caches the transcripts it writes; turns written by another process must still
    reach the interviewer's context (the cached entry's count no longer matches, so it is re-read)."""
    settings = settings_for(database_url, study_dir)
    seen_a, seen_b = CountingInterviewer(), CountingInterviewer()
    async with (
        start_runtime(settings, seen_a) as a,
        start_runtime(settings, seen_b, migrate=False) as b,
    ):
        console_a, console_b = Console(a), Console(b)
        await _to_first_question(console_a)
        await console_a.say(LONG_ANSWER + " (first)")
        await console_b.say(LONG_ANSWER + " (second)")
        await console_a.say(LONG_ANSWER + " (third)")
        answers = [t.text for t in seen_a.calls[-1].transcript if t.role == "participant"]
        assert answers == [LONG_ANSWER + f" ({n})" for n in ("first", "second", "third")]
        async with a.store.session() as s:
            stored = (await s.exec(select(Turn.text).where(Turn.role == "participant"))).all()
        assert sorted(stored) == sorted(answers)


async def test_a_failed_write_drops_cached_transcripts_and_the_message_is_answered_later(
    runtime: Runtime,
) -> None:
    c = Console(runtime)
    await _to_first_question(c)
    async with runtime.store.session() as s:
        interview = (await s.exec(select(Interview))).one()
        count = len((await s.exec(select(Turn).where(Turn.interview_id == interview.id))).all())
    engine = runtime.engine
    assert engine.transcripts.get(interview.id, count) is not None
    real_save = engine.effects.save

    async def failing_save(*args, **kwargs):  # type: ignore[no-untyped-def]
        engine.effects.save = real_save  # type: ignore[method-assign]
        raise RuntimeError("the database went away mid-transaction")

    engine.effects.save = failing_save  # type: ignore[method-assign]
    asked = len(c.texts)
    forgotten = []
    real_forget = engine.transcripts.forget

    def forget(*args):  # type: ignore[no-untyped-def]
        forgotten.append(args)
        real_forget(*args)

    engine.transcripts.forget = forget  # type: ignore[method-assign]
    # the turn is written, then the transaction fails and rolls back; the message is tried again
    # on its own, from the database, and answered once
    await c.say(LONG_ANSWER)
    assert () in forgotten, "the rolled-back turn is never served as part of the transcript"
    await engine.tick()
    await engine.drain()
    assert len(c.texts) == asked + 1 and "How do you check" in c.texts[-1]
    async with runtime.store.session() as s:
        answers = (await s.exec(select(Turn.text).where(Turn.role == "participant"))).all()
    assert list(answers).count(LONG_ANSWER) == 1


async def test_a_participant_marked_unreachable_who_writes_is_reachable_again(runtime: Runtime) -> None:
    """A failed delivery marks someone unreachable (and keeps them out of invitations); a message from
    them shows their DMs are open again."""
    c = Console(runtime)
    await c.say("hi")
    async with runtime.store.session() as s:
        participant = (await s.exec(select(Participant))).one()
        participant.unreachable = True
        s.add(participant)
    await c.say("1")
    async with runtime.store.session() as s:
        assert (await s.exec(select(Participant.unreachable))).one() is False


async def test_a_participant_another_worker_just_created_is_used_not_duplicated(
    database_url: str, study_dir: Path
) -> None:
    """First contact races: when the participant row appears between our lookup and our insert, the
    insert fails inside its savepoint and the other worker's row is used, in the same transaction."""
    async with start_runtime(settings_for(database_url, study_dir)) as runtime:
        async with runtime.store.session() as other:
            other.add(Participant(platform=WHO.platform, workspace=WHO.workspace, user_id=WHO.user_id))
        async with runtime.store.session() as s:
            postgres = runtime.store.is_postgres
            participant, created = await create_participant(s, WHO, postgres=postgres)
            assert not created and participant.id is not None
            again = await lock_participant(s, Address("console", "local", "newcomer"), postgres=postgres)
            assert again.id != participant.id
        async with runtime.store.session() as s:
            rows = (await s.exec(select(Participant.user_id).order_by(col(Participant.id)))).all()
        assert list(rows) == [WHO.user_id, "newcomer"]
