"""Slack HTTP mode under load: signed DM events at rising rates, against the fake Web API.

Each measured event is one participant's answer during the interview proper, so it costs the whole
path: signature check, inbox write, engine step, the (instant, offline) interviewer, outbox, and
chat.postMessage on the fake. Every participant sends exactly one measured event, so each must produce
exactly one post: fewer is a lost message, more a duplicate. Printed per offered rate: sustained
events/s, p50/p99 from the signed POST to the reply's arrival at the fake ("reply"), p50/p99 until
the app's HTTP 200 ("ack": the event is in the inbox by then), lost and duplicated.
Everything runs on 127.0.0.1 and stops by itself (a level stops the climb once it falls behind).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from adapters.slack.app import build_app
from adapters.slack.run import shared_connections, start_http
from bot.interviewer.scripted import OfflineInterviewer
from bot.messages import Address, Inbound
from bot.runtime import Runtime
from tests.support.fakes.slack_api import TEAM, FakeSlack, dm_channel
from tests.support.helpers import fresh_postgres, postgres_available, settings_for, write_study
from tests.support.slack_signing import SlackPoster

SECRET = "bench-signing-secret"
RATES = (10, 20, 40, 80, 160, 320)
SECONDS_PER_LEVEL = 2.0
SETTLE_TIMEOUT = 10.0
BUDGET_SECONDS = 25.0  # per database: no new level starts after this
DEADLINE_SECONDS = 60.0  # for the whole run: no new level or database starts after this
ANSWER = "I mostly use it to draft reports, and then I check every number against the source myself."
_users = itertools.count(1)


@dataclass
class Level:
    rate: int
    sent: int
    replied: int
    sustained: float
    latencies: list[float]
    acks: list[float]
    lost: int
    duplicated: int


async def _warm_up(runtime: Runtime, users: list[str], in_flight: int = 50) -> None:
    """Bring each participant to the first interview question (not measured)."""
    gate = asyncio.Semaphore(in_flight)

    async def one(user: str) -> None:
        who = Address("slack", TEAM, user)
        steps = [
            {"text": "hi"},
            {"prompt": "consent", "choice": "yes"},
            {"prompt": "release", "choice": "yes"},
            {"prompt": "screen:role", "choice": "Designer"},
        ]
        async with gate:
            for n, step in enumerate(steps):
                await runtime.engine.receive(Inbound(who, f"warm:{user}:{n}", **step))  # type: ignore[arg-type]
                await runtime.engine.process(who)

    await asyncio.gather(*(one(u) for u in users))
    await runtime.engine.drain()


async def _level(runtime: Runtime, posts: Posts, slack: SlackPoster, rate: int) -> Level:
    users = [f"UB{next(_users):06d}" for _ in range(int(rate * SECONDS_PER_LEVEL))]
    await _warm_up(runtime, users)
    baseline = {u: len(posts.of(u)) for u in users}
    started: dict[str, float] = {}
    statuses: list[int] = []
    acks: list[float] = []
    t0 = time.perf_counter()

    async def send(i: int, user: str) -> None:
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        started[user] = time.perf_counter()
        status, _ = await slack.message(user, f"{ANSWER} ({user})")
        acks.append(time.perf_counter() - started[user])
        statuses.append(status)

    await asyncio.gather(*(send(i, u) for i, u in enumerate(users)))
    with contextlib.suppress(TimeoutError):  # what has not arrived by then counts as lost
        await posts.fake.wait_until(
            lambda: all(len(posts.of(u)) > baseline[u] for u in users), SETTLE_TIMEOUT
        )
    await runtime.engine.drain()
    await asyncio.sleep(0.2)  # let a would-be duplicate arrive before counting
    latencies, lost, duplicated, last_reply = [], 0, 0, t0
    for user in users:
        replies = posts.of(user)[baseline[user] :]
        lost += not replies
        duplicated += max(len(replies) - 1, 0)
        if replies:
            latencies.append(replies[0] - started[user])
            last_reply = max(last_reply, replies[0])
    replied = len(latencies)
    sustained = replied / (last_reply - t0) if replied else 0.0
    failed = sum(s != 200 for s in statuses)
    if failed:
        print(f"    ({failed} requests answered non-200)")
    return Level(rate, len(users), replied, sustained, latencies, acks, lost, duplicated)


class Posts:
    """Arrival times of successful chat.postMessage calls per user, read incrementally from the fake."""

    def __init__(self, fake: FakeSlack):
        self.fake = fake
        self._seen = 0
        self._by_channel: dict[str, list[float]] = defaultdict(list)

    def of(self, user: str) -> list[float]:
        calls = self.fake.calls
        for call in calls[self._seen :]:
            if call.method == "chat.postMessage" and call.error is None:
                self._by_channel[str(call.args.get("channel"))].append(call.at)
        self._seen = len(calls)
        return self._by_channel[dm_channel(user)]


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000:.0f}"


async def bench_database(
    label: str, database: Callable[[], AbstractAsyncContextManager[str]], studies: Path, deadline: float
) -> None:
    async with database() as url, FakeSlack() as fake:
        settings = settings_for(
            url, studies, slack_bot_token=fake.token, slack_signing_secret=SECRET, slack_api_url=fake.base_url
        )
        runtime = await Runtime.start(settings, interviewer=OfflineInterviewer())
        app = build_app(runtime)
        runner = await start_http(app, signing_secret=SECRET, host="127.0.0.1", port=0)
        url_events = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
        print(f"  {label}:")
        print(
            "    offered/s  events  replied  sustained/s  reply p50/p99 ms  ack p50/p99 ms  lost  duplicated"
        )
        total_lost = total_dup = 0
        best = 0.0
        posts = Posts(fake)
        began = time.perf_counter()
        try:
            async with shared_connections(app), SlackPoster(url_events, SECRET) as slack:
                for rate in RATES:
                    now = time.perf_counter()
                    if now - began > BUDGET_SECONDS or now > deadline:
                        print("    (time budget reached; higher rates not tried)")
                        break
                    level = await _level(runtime, posts, slack, rate)
                    total_lost += level.lost
                    total_dup += level.duplicated
                    best = max(best, level.sustained)
                    print(
                        f"    {level.rate:>9}  {level.sent:>6}  {level.replied:>7}  {level.sustained:>11.1f}  "
                        f"{_ms(level.latencies, 0.5) + ' / ' + _ms(level.latencies, 0.99):>16}  "
                        f"{_ms(level.acks, 0.5) + ' / ' + _ms(level.acks, 0.99):>14}  {level.lost:>4}  "
                        f"{level.duplicated:>10}"
                    )
                    p99 = statistics.quantiles(level.latencies, n=100)[98] if len(level.latencies) > 1 else 0
                    if level.sustained < 0.8 * level.rate or p99 > 2.0:
                        print("    (falling behind the offered rate; stopping the climb)")
                        break
        finally:
            await runner.cleanup()
            await runtime.close()
        print(
            f"    best sustained: {best:.1f} events/s; lost messages: {total_lost}; duplicated: {total_dup}"
        )


async def main() -> None:
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    print("slack: signed DM events -> Bolt HTTP mode -> engine -> fake Web API (instant offline interviewer)")
    with tempfile.TemporaryDirectory() as tmp:
        studies = Path(tmp) / "studies"
        studies.mkdir()
        write_study(studies)
        counter = itertools.count()

        @asynccontextmanager
        async def sqlite_url() -> AsyncIterator[str]:
            yield f"sqlite+aiosqlite:///{tmp}/slack{next(counter)}.db"

        deadline = time.perf_counter() + DEADLINE_SECONDS
        await bench_database("SQLite", sqlite_url, studies, deadline)
        if time.perf_counter() > deadline:
            print("  PostgreSQL: skipped (time budget used up)")
        elif postgres_available():
            await bench_database("PostgreSQL", fresh_postgres, studies, deadline)
        else:
            print("  PostgreSQL: skipped (nothing answers at 127.0.0.1:5432)")


if __name__ == "__main__":
    asyncio.run(main())
