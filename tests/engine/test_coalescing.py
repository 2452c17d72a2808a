"""Quick messages become one turn: a participant is answered once they have been quiet for their
platform's window, measured from their newest message, whichever process or loop looks first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.interview.moves import Move
from bot.interviewer.base import InterviewContext
from bot.interviewer.scripted import OfflineInterviewer
from bot.messages import ANSWERED, Address, Inbound, Outbound
from bot.runtime import Runtime
from bot.storage.models import Turn
from tests.support.helpers import settings_for, start_runtime

WHO = Address("chat", "team", "U1")  # a chat platform: its window is COALESCE_SECONDS


class Recorder:
    """A platform that records what it was sent (the engine's `Sender` protocol)."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    async def send(self, message: Outbound) -> str:
        self.sent.append(message)
        return f"m{len(self.sent)}"

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        pass


class CountingInterviewer(OfflineInterviewer):
    def __init__(self) -> None:
        self.calls = 0

    async def next_move(self, context: InterviewContext) -> Move:
        self.calls += 1
        return await super().next_move(context)


@asynccontextmanager
async def _started(
    database_url: str, study_dir: Path, window: float
) -> AsyncIterator[tuple[Runtime, Recorder, CountingInterviewer]]:
    """A runtime whose one participant has reached the first question; closed when the block ends."""
    interviewer = CountingInterviewer()
    settings = settings_for(database_url, study_dir, coalesce_seconds=window)
    async with start_runtime(settings, interviewer) as runtime:
        recorder = Recorder()
        runtime.engine.register_sender(WHO.platform, recorder)
        n = 0
        for prompt, choice in (
            ("", None),
            ("consent", "yes"),
            ("release", "yes"),
            ("screen:role", "Designer"),
        ):
            n += 1
            inbound = (
                Inbound(WHO, f"setup-{n}", text="hi")
                if choice is None
                else Inbound(
                    WHO,
                    f"setup-{n}",
                    prompt=prompt,
                    choice=choice,
                    interview_id=recorder.sent[-1].interview_id,
                )
            )
            await runtime.engine.receive(inbound)
            await runtime.engine.drain()
        assert recorder.sent[-1].text.startswith("Which tasks"), recorder.sent[-1].text
        yield runtime, recorder, interviewer


async def _participant_turns(runtime: Runtime) -> list[str]:
    async with runtime.store.session() as s:
        turns = (await s.exec(select(Turn).where(Turn.role == "participant").order_by(col(Turn.seq)))).all()
    return [t.text for t in turns]


LINES = ["Mostly drafting.", "Also summaries.", "And code review notes.", "Sometimes emails.", "That's it."]


@pytest.mark.parametrize("spacing", [0.0, 0.1, 0.3, 0.6])
async def test_a_burst_quicker_than_the_window_is_one_turn_with_one_reply(
    sqlite_url: str, study_dir: Path, spacing: float
) -> None:
    # the window is measured on the wall clock: 2 s leaves 1.4 s beyond the widest spacing for each line's
    # receive and tick, which took more than 0.4 s once on a loaded machine (four test workers, two cores)
    async with _started(sqlite_url, study_dir, window=2.0) as (runtime, recorder, interviewer):
        before, calls = len(recorder.sent), interviewer.calls
        for n, line in enumerate(LINES):
            await runtime.engine.receive(Inbound(WHO, f"burst-{n}", text=line))
            await runtime.engine.tick()  # a tick between lines must not answer a participant still typing
            await asyncio.sleep(spacing)
        await runtime.engine.drain()
        assert await _participant_turns(runtime) == ["\n".join(LINES)]
        assert interviewer.calls == calls + 1 and len(recorder.sent) == before + 1


async def test_lines_further_apart_than_the_window_are_answered_one_by_one(
    sqlite_url: str, study_dir: Path
) -> None:
    async with _started(sqlite_url, study_dir, window=0.3) as (runtime, recorder, _):
        before = len(recorder.sent)
        for n, line in enumerate(LINES[:3]):
            await runtime.engine.receive(Inbound(WHO, f"slow-{n}", text=line))
            await runtime.engine.drain()
        assert await _participant_turns(runtime) == LINES[:3]
        assert len(recorder.sent) == before + 3


async def test_the_tick_answers_only_after_the_window(sqlite_url: str, study_dir: Path) -> None:
    """A message whose timer was lost (its process stopped) is answered by the tick, but not too early."""
    async with _started(sqlite_url, study_dir, window=0.5) as (runtime, recorder, _):
        before = len(recorder.sent)
        await runtime.engine.receive(Inbound(WHO, "lost-timer", text=LINES[0]))
        for task in list(runtime.engine._tasks.values()):  # as if the process that got it had stopped
            task.cancel()
        await asyncio.sleep(0.05)
        await runtime.engine.tick()
        assert len(recorder.sent) == before, "answered inside the quiet window"
        await asyncio.sleep(0.6)
        await runtime.engine.tick()
        assert len(recorder.sent) == before + 1


async def test_a_second_worker_holds_back_while_another_received_a_newer_message(
    sqlite_url: str, study_dir: Path
) -> None:
    """Two processes behind a load balancer: each got one line; the first one's timer fires while the
    second line is still inside its window, so nobody answers until the participant is quiet."""
    second = settings_for(sqlite_url, study_dir, coalesce_seconds=1.5)  # 1.1 s beyond the 0.4 s gap
    async with (
        _started(sqlite_url, study_dir, window=1.5) as (runtime, recorder, interviewer),
        start_runtime(second, interviewer, migrate=False) as other,
    ):
        other.engine.register_sender(WHO.platform, recorder)
        before = len(recorder.sent)
        await runtime.engine.receive(Inbound(WHO, "w-1", text=LINES[0]))
        await asyncio.sleep(0.4)
        await other.engine.receive(Inbound(WHO, "w-2", text=LINES[1]))
        await asyncio.gather(runtime.engine.drain(), other.engine.drain())
        assert await _participant_turns(runtime) == ["\n".join(LINES[:2])]
        assert len(recorder.sent) == before + 1


async def test_the_terminal_has_no_quiet_window(sqlite_url: str, study_dir: Path) -> None:
    settings = settings_for(sqlite_url, study_dir, coalesce_seconds=5)
    assert settings.coalesce_for("console") == 0
    assert settings.coalesce_for("slack") == 5
    tuned = settings_for(sqlite_url, study_dir, coalesce_seconds=5, discord_coalesce_seconds=1.5)
    assert tuned.coalesce_for("discord") == 1.5 and tuned.coalesce_for("slack") == 5
