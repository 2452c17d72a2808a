"""Whole interviews through the console adapter with the offline interviewer, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from bot.runtime import Runtime
from bot.storage.models import (
    ConsentRecord,
    InboxRow,
    Interview,
    OutboxRow,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
)
from tests.support.helpers import Console, settings_for, start_runtime


async def _complete(c: Console) -> None:
    await c.say("hi")
    await c.say("1")  # consent
    await c.say("1")  # release
    await c.say("2")  # role: Designer
    answers = [
        "I use it to draft specifications and summarise long meeting notes every single week at work.",
        "Not sure.",
        "I compare it against the source documents and ask a colleague when numbers look odd.",
        "Less drafting, more reviewing and deciding what matters to the client in the end.",
    ]
    for text in answers:
        if c.last and c.last.prompt and c.last.prompt.startswith("survey:"):
            break
        await c.say(text)
    for _ in range(5):
        if c.last and c.last.prompt and c.last.prompt.startswith("survey:"):
            await c.say("1" if c.last.prompt == "survey:recommend" else "6")


async def test_full_interview_is_stored_with_bookkeeping(database_url: str, study_dir: Path) -> None:
    async with start_runtime(settings_for(database_url, study_dir)) as runtime:
        c = Console(runtime)
        await _complete(c)
        assert "Thank you, that's everything" in c.texts[-1]
        async with runtime.store.session() as s:
            interview = (await s.exec(select(Interview))).one()
            turns = (await s.exec(select(Turn).order_by(col(Turn.seq)))).all()
            survey = {a.item_id: a.value for a in (await s.exec(select(SurveyAnswer))).all()}
            screening = (await s.exec(select(ScreeningAnswer))).all()
            consent = {r.kind: r.granted for r in (await s.exec(select(ConsentRecord))).all()}
        assert interview.state == "completed" and interview.completed_at is not None
        assert interview.plan_hash == runtime.catalog.current("pilot-study").plan_hash
        assert interview.study_version == 1
        assert interview.participant_code.startswith("P-") and "tester" not in interview.participant_code
        assert [a.value for a in screening] == ["Designer"]
        assert consent == {"participation": True, "release": True}
        assert survey == {"satisfaction": "6", "captured": "6", "recommend": "yes"}
        roles = [t.role for t in turns]
        assert roles[0] == "interviewer" and roles[-1] == "interviewer"
        assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), "turns alternate"
        first = turns[0]
        assert (first.topic_id, first.move) == ("tasks", "ask")
        probe = next(t for t in turns if t.move == "probe")
        assert probe.topic_id == "trust" and probe.followups_used == 1  # "Not sure." is thin
        assert turns[-1].move == "close" and turns[-1].text == "Thank you, that is all my questions."
        # must topics come before the could topic
        asked = [t.topic_id for t in turns if t.move in ("ask", "transition")]
        assert asked.index("tasks") < asked.index("trust")
        assert all(t.model == "offline" for t in turns if t.role == "interviewer" and t.move != "close")


async def test_same_inbound_delivered_twice_produces_one_reply(runtime: Runtime) -> None:
    from bot.messages import Address, Inbound

    c = Console(runtime)
    await c.say("hi")
    await c.say("1")
    await c.say("1")
    await c.say("1")
    before = len(c.texts)
    who = Address("console", "local", "tester")
    inbound = Inbound(who, "dup-1", text="I draft reports with it and check every figure by hand.")
    assert await runtime.engine.receive(inbound) is True
    await runtime.engine.drain()
    assert await runtime.engine.receive(inbound) is False
    await runtime.engine.drain()
    assert len(c.texts) == before + 1
    async with runtime.store.session() as s:
        rows = (await s.exec(select(InboxRow).where(InboxRow.dedupe_key == "dup-1"))).all()
        participant_turns = (await s.exec(select(Turn).where(Turn.role == "participant"))).all()
    assert len(rows) == 1 and len(participant_turns) == 1


async def test_declining_consent_records_nothing_else(runtime: Runtime) -> None:
    c = Console(runtime)
    await c.say("hi")
    await c.say("2")
    assert "No problem" in c.texts[-1]
    async with runtime.store.session() as s:
        interview = (await s.exec(select(Interview))).one()
        assert interview.state == "declined"
        assert (await s.exec(select(Turn))).all() == []
    await c.say("hello again")
    assert "chose not to take part" in c.texts[-1]
    await c.say("start")
    assert "Do you agree" in c.texts[-1]
    async with runtime.store.session() as s:
        assert len((await s.exec(select(Interview))).all()) == 2


async def test_every_outbox_row_is_sent_exactly_once(runtime: Runtime) -> None:
    c = Console(runtime)
    await _complete(c)
    async with runtime.store.session() as s:
        rows = (await s.exec(select(OutboxRow))).all()
    assert rows and all(r.status == "sent" and r.sent_at for r in rows)
    assert len({r.key for r in rows}) == len(rows) == len(c.texts)
