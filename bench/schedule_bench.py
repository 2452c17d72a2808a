"""Invitations at scale: 10,000 members invited, sent by the scheduler through a rate-limited fake Slack.

The fake Web API answers 429 (Retry-After: 1) to chat.postMessage beyond 1 message per second per
channel and a workspace cap. Real Slack's cap is far lower; the cap here is scaled up so the run takes
about two minutes, and the figure that matters is the ratio: achieved sends per minute over the allowed
maximum (target 0.9 or more). Also printed: 429 answers (each retried), and lost and duplicated
invitations, which must both be 0.

Two scheduler workers share one database, as two bot processes would; each plans due work and claims
small batches (so neither holds the whole backlog) and paces its sends at its share of the cap.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import aiohttp

from adapters.slack.client import make_client
from adapters.slack.web import SlackSender
from bot.interviewer.scripted import OfflineInterviewer
from bot.messages import Address
from bot.outreach.due_work import plan_due_work
from bot.outreach.invitations import Member, invite
from bot.runtime import Runtime
from tests.support.fakes.slack_api import TEAM, FakeSlack
from tests.support.helpers import settings_for, write_study

INVITATIONS = 10_000
WORKSPACE_CAP = 100  # chat.postMessage per second (scaled up from Slack's real limits; see above)
PER_CHANNEL = 1
WORKERS = 2  # scheduler processes sharing the database, each pacing itself at its share of the cap
CLAIM_BATCH = 500  # rows one send_due call may send (it claims them in small chunks, as the bot does)
PACE_SHARE = 0.95  # senders pace a little under the cap: arrival jitter would otherwise cross it
DEADLINE_SECONDS = 170.0
ALWAYS = {
    "timezone": "UTC",
    "send_window": "00:00-00:00",  # equal ends: the whole day
    "quiet_hours": "00:00-00:00",  # equal ends: none
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
}


async def main() -> None:
    logging.getLogger("slack_sdk").setLevel(logging.ERROR)
    logging.getLogger("bot").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        studies = Path(tmp) / "studies"
        studies.mkdir()
        write_study(
            studies, invitation={"text": "Would you tell us about your tools at work?"}, schedule=ALWAYS
        )
        async with FakeSlack() as fake, _database(Path(tmp)) as url:
            fake.limit_rate("chat.postMessage", per_channel=PER_CHANNEL, per_workspace=WORKSPACE_CAP)
            settings = settings_for(url, studies, slack_bot_token=fake.token, slack_api_url=fake.base_url)
            print(f"schedule bench database: {url.split(':', 1)[0]}")
            runtimes = [
                await Runtime.start(settings, interviewer=OfflineInterviewer(), migrate=n == 0)
                for n in range(WORKERS)
            ]
            try:
                await _run(runtimes, fake)
            finally:
                for runtime in runtimes:
                    await runtime.close()


@asynccontextmanager
async def _database(tmp: Path) -> AsyncIterator[str]:
    """SQLite, the default deployment (PostgreSQL measured no faster here: sending is the bound)."""
    yield f"sqlite+aiosqlite:///{tmp / 'bench.db'}"


async def _worker(runtime: Runtime, fake: FakeSlack, deadline: float) -> None:
    """One scheduler process: plan due work, then claim and send in small batches while rows are due."""
    while time.perf_counter() < deadline and len(fake.posted) < INVITATIONS:
        await plan_due_work(runtime.engine)
        while await runtime.engine.dispatcher.send_due(limit=CLAIM_BATCH):
            pass
        await asyncio.sleep(0.01)


async def _run(runtimes: list[Runtime], fake: FakeSlack) -> None:
    session = aiohttp.ClientSession()  # one connection pool, as the running bot uses (shared_connections)
    for runtime in runtimes:
        client = make_client(runtime.settings)
        client.session = session
        sender = SlackSender(client, bulk_per_second=WORKSPACE_CAP * PACE_SHARE / WORKERS)
        runtime.engine.register_sender("slack", sender)
    try:
        await _measure(runtimes, fake)
    finally:
        await session.close()


async def _measure(runtimes: list[Runtime], fake: FakeSlack) -> None:
    runtime = runtimes[0]
    study = runtime.catalog.get("pilot-study")
    assert study is not None
    members = [Member(Address("slack", TEAM, f"UM{n:05d}")) for n in range(INVITATIONS)]
    for member in members:  # people of the workspace: conversations.open refuses anyone else
        fake.member(member.address.user_id)
    started = time.perf_counter()
    # Paced a little faster than the cap in the database, so the workers always find rows due.
    pace = timedelta(seconds=1 / (WORKSPACE_CAP * 1.2))
    report = await invite(runtime.engine, study, members, source="roster", pace=pace)
    created = time.perf_counter() - started
    deadline = time.perf_counter() + DEADLINE_SECONDS
    await asyncio.gather(*(_worker(r, fake, deadline) for r in runtimes))
    posts = fake.posted
    by_channel = Counter(p["channel"] for p in posts)
    calls = fake.calls_to("chat.postMessage")
    retries = sum(1 for c in calls if c.status == 429)
    ok_times = [c.at for c in calls if c.error is None]
    span = (max(ok_times) - min(ok_times)) if len(ok_times) > 1 else 0.0
    per_minute = (len(ok_times) - 1) / span * 60 if span else 0.0
    allowed = WORKSPACE_CAP * 60
    print(
        f"schedule bench: {INVITATIONS:,} invitations through the fake Slack, chat.postMessage limited to "
        f"{PER_CHANNEL}/s per channel and {WORKSPACE_CAP}/s per workspace (scaled up from Slack's real "
        "limits to keep the run short)"
    )
    print(
        f"  rows created: {report.invited:,} in {created:.1f} s; {WORKERS} scheduler workers on one database"
    )
    print(f"  sent: {len(by_channel):,} in {span:.1f} s = {per_minute:,.0f}/min of {allowed:,}/min allowed")
    print(f"  fraction of the allowed maximum: {per_minute / allowed:.2f} (target >= 0.90)")
    print(f"  429 answers (retried): {retries}")
    print(f"  lost: {INVITATIONS - len(by_channel)}  duplicated: {sum(n - 1 for n in by_channel.values())}")
