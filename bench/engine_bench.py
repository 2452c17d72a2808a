"""Engine overhead per turn and throughput, with an instant interviewer, on SQLite and PostgreSQL.

Overhead is the time from handing a participant message to the engine until its reply reaches the
sender, minus the time spent inside the interviewer. Printed: p50/p99 with interviews one at a time,
then turns per second and latency with many interviews in flight. Each run starts with two warm-up
interviews that are not measured (statements compile and prepare on first use), then freezes the
objects alive, as `interviewer run` does once it is set up. The one-at-a-time figures are the median
of three runs, each printed too: on a shared machine a burst of load moves a single run's tail.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bot.interview.moves import Move
from bot.interviewer.base import InterviewContext
from bot.interviewer.scripted import OfflineInterviewer
from bot.messages import ANSWERED, Address, Inbound, Outbound
from bot.runtime import Runtime, settle_memory
from tests.support.helpers import fresh_postgres, postgres_available, settings_for, write_study

SEQUENTIAL_RUNS = 3
WARMUP = 2  # interviews run before measuring, so the figures are the steady state of a running service
ANSWER = "I mostly use it to draft reports and then I check every number against the source myself."


class TimedInterviewer(OfflineInterviewer):
    """The offline interviewer (no I/O, effectively instant) with its own time measured and excluded."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    async def next_move(self, context: InterviewContext) -> Move:
        start = time.perf_counter()
        move = await super().next_move(context)
        # keyed by the participant's last words, which the driver makes unique per participant
        self.spent[context.transcript[-1].text if context.transcript else ""] += time.perf_counter() - start
        return move


class QueueSender:
    """Hands each participant the messages that expect an answer, with the time they arrived."""

    def __init__(self) -> None:
        self.inboxes: dict[str, asyncio.Queue[tuple[Outbound, float]]] = defaultdict(asyncio.Queue)
        self.sent = 0

    async def send(self, message: Outbound) -> str:
        self.sent += 1
        self.inboxes[message.to.user_id].put_nowait((message, time.perf_counter()))
        return f"m{self.sent}"

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        return None


def _expects_answer(message: Outbound) -> bool:
    return bool(message.choices) or message.text.rstrip().endswith("?") or "that's everything" in message.text


async def _participant(
    runtime: Runtime, sender: QueueSender, timer: TimedInterviewer, name: str, overheads: list[float]
) -> int:
    who = Address("bench", "w", name)
    inbox = sender.inboxes[name]
    turns, seq, text = 0, 0, "hello"
    choice: Outbound | None = None
    while True:
        seq += 1
        if choice is not None:
            value = choice.choices[0].value
            inbound = Inbound(
                who, f"{name}:{seq}", prompt=choice.prompt, choice=value, interview_id=choice.interview_id
            )
        else:
            inbound = Inbound(who, f"{name}:{seq}", text=text)
        start = time.perf_counter()
        await runtime.engine.receive(inbound)
        while True:
            message, arrived = await asyncio.wait_for(inbox.get(), 30)
            if _expects_answer(message):
                break
        overheads.append(arrived - start - timer.spent.pop(text, 0.0))
        turns += 1
        if "that's everything" in message.text:
            return turns
        choice = message if message.choices else None
        text = f"{ANSWER} ({name} turn {seq})"


async def _run(
    database_url: str, studies: Path, interviews: int, in_flight: int, warmup: int = WARMUP
) -> tuple[list[float], float, int]:
    timer = TimedInterviewer()
    settings = settings_for(database_url, studies)
    runtime = await Runtime.start(settings, interviewer=timer)
    sender = QueueSender()
    runtime.engine.register_sender("bench", sender)
    for i in range(warmup):  # first statements compile and prepare, first code paths warm: not measured
        await _participant(runtime, sender, timer, f"warmup{i}", [])
    settle_memory()  # as `interviewer run` does once the service is set up
    overheads: list[float] = []
    gate = asyncio.Semaphore(in_flight)

    async def one(i: int) -> int:
        async with gate:
            return await _participant(runtime, sender, timer, f"p{i}", overheads)

    start = time.perf_counter()
    turns = sum(await asyncio.gather(*(one(i) for i in range(interviews))))
    elapsed = time.perf_counter() - start
    await runtime.close()
    return overheads, elapsed, turns


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


async def bench_database(label: str, url_factory, studies: Path, interviews: int, in_flight: int) -> None:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(SEQUENTIAL_RUNS):  # a shared machine's bursts move one run's tail: repeat, take the median
        async with url_factory() as url:
            sequential, _, _ = await _run(url, studies, 50, 1)
        runs.append((_ms(sequential, 50), _ms(sequential, 99)))
    async with url_factory() as url:
        loaded, elapsed, turns = await _run(url, studies, interviews, in_flight)
    each = ", ".join(f"{p50:.2f}/{p99:.2f}" for p50, p99 in runs)
    print(
        f"  {label}: overhead per turn, one interview at a time: p50 "
        f"{statistics.median(r[0] for r in runs):.2f} ms, p99 {statistics.median(r[1] for r in runs):.2f} ms "
        f"(median of {SEQUENTIAL_RUNS} runs of {len(sequential)} turns after {WARMUP} warm-up interviews; "
        f"each run p50/p99: {each})"
    )
    print(
        f"  {label}: {interviews} interviews, {in_flight} in flight: {turns} turns in {elapsed:.1f} s = "
        f"{turns / elapsed:.0f} turns/s; latency p50 {_ms(loaded, 50):.1f} ms, p99 {_ms(loaded, 99):.1f} ms"
    )


async def main(interviews: int = 1000, in_flight: int = 200) -> None:
    from contextlib import asynccontextmanager

    print(f"engine: {interviews} simulated interviews, instant interviewer")
    with tempfile.TemporaryDirectory() as tmp:
        studies = Path(tmp) / "studies"
        studies.mkdir()
        write_study(studies)
        counter = iter(range(100))

        @asynccontextmanager
        async def sqlite_url():  # type: ignore[no-untyped-def]
            yield f"sqlite+aiosqlite:///{tmp}/bench{next(counter)}.db"

        await bench_database("SQLite", sqlite_url, studies, interviews, in_flight)
        if postgres_available():
            await bench_database("PostgreSQL", fresh_postgres, studies, interviews, in_flight)
        else:
            print("  PostgreSQL: skipped (nothing answers at 127.0.0.1:5432)")


if __name__ == "__main__":
    asyncio.run(main())
