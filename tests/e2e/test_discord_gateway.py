"""`interviewer run --discord` when Discord asks it to reconnect (op 7), or invalidates its session (op 9)
with d=true (resume) or d=false (identify anew: Discord replays nothing, the bot reads the DM back), and
when a reply meets the global rate limit: a participant's DM is never lost and answered once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.test_discord import ANSWERS, MEMBER, discord_service, to_first_question
from tests.support.fakes.discord_api import FakeDiscord

HISTORY = r"/channels/\d+/messages"
OTHER = "555"


def history_reads(fake: FakeDiscord) -> int:
    return len(fake.requests_to("GET", HISTORY))


async def test_a_dm_written_while_discord_asks_for_a_reconnect_is_answered_once(tmp_path: Path) -> None:
    """Op 7: the client resumes (events/gateway#resuming) and the DM held for the session is replayed."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        before, reads = len(service.inbox()), history_reads(fake)
        await fake.send_reconnect()
        await fake.say(MEMBER, ANSWERS[0])  # the old connection is done: held until the RESUME
        [reply] = await service.settled(MEMBER, before, seconds=30)
        assert "How do you check" in reply["content"], reply["content"]
        assert (len(fake.resumes), len(fake.identifies), fake.replayed) == (1, 1, 1)
        assert history_reads(fake) == reads, "a resumed session needs no read-back"
        await asyncio.sleep(1.5)
        assert service.inbox()[before:] == [reply]


async def test_an_invalid_session_that_may_be_resumed_loses_and_repeats_nothing(tmp_path: Path) -> None:
    """Op 9 with d=true: the session "may be resumable" (events/gateway-events#invalid-session)."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        before = len(service.inbox())
        await fake.invalidate_session(resumable=True)
        await fake.say(MEMBER, ANSWERS[0])
        [reply] = await service.settled(MEMBER, before, seconds=30)
        assert "How do you check" in reply["content"], reply["content"]
        assert (len(fake.resumes), len(fake.identifies), fake.replayed) == (1, 1, 1)
        [question] = await service.say(ANSWERS[1])
        await asyncio.sleep(1.5)
        assert service.inbox()[before:] == [reply, question]


async def test_after_an_invalid_session_the_dm_it_missed_is_read_back_and_answered_once(
    tmp_path: Path,
) -> None:
    """Op 9 with d=false: the client identifies anew, and Discord never replays what the old session
    missed (events/gateway#resuming), so the bot reads the DM's history as after downtime."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        before, reads = len(service.inbox()), history_reads(fake)
        await fake.invalidate_session(resumable=False)
        fake.say_offline(MEMBER, ANSWERS[0])  # no session exists to deliver it to
        await fake.wait_identified(2, seconds=30)
        [reply] = await service.settled(MEMBER, before, seconds=30)
        assert "How do you check" in reply["content"], reply["content"]
        assert fake.replayed == 0 and not fake.resumes, "a new session, nothing replayed"
        assert history_reads(fake) > reads, "the missed DM was read back from the channel"
        [question] = await service.say(ANSWERS[1])  # and the new session delivers the next one
        await asyncio.sleep(1.5)
        assert service.inbox()[before:] == [reply, question]
        waited = fake.identified_at[-1] - fake.invalid_sessions[-1][0]
        # discord.py waits 5 s before every IDENTIFY but the first (Client.before_identify_hook)
        assert 1 <= waited <= 6, f"IDENTIFY {waited:.2f} s after op 9 d=false, not 1-5 s"


async def test_replies_held_by_the_global_rate_limit_wait_it_out_and_arrive_once(tmp_path: Path) -> None:
    """A global 429 (topics/rate-limits#global-rate-limit) holds every request, not only its route's: no
    request at all until Retry-After has passed, then each reply once."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        dm, before = fake.dm_channel_id(MEMBER), len(service.inbox())
        fake.fail_next("POST", rf"/channels/{dm}/messages", 429, retry_after=2.0, global_limit=True)
        await fake.say(MEMBER, ANSWERS[0])
        await fake.wait_until(lambda: fake.global_until > 0, 20, "the global 429")
        await fake.say(OTHER, "hi")  # a newcomer during the wait: their consent question waits too
        [reply] = await service.settled(MEMBER, before, seconds=30)
        [consent] = await service.settled(OTHER, 0, seconds=30)
        assert "How do you check" in reply["content"], reply["content"]
        assert consent["components"], consent
        posts = fake.requests_to("POST", rf"/channels/{dm}/messages")
        [*_, limited] = [r for r in posts if r.at <= fake.global_until - 2.0]  # the one refused
        during = [r for r in fake.requests if limited.at < r.at < fake.global_until]
        assert not during and not fake.global_refused, [(r.method, r.path) for r in during]
        await asyncio.sleep(1.5)
        assert service.inbox()[before:] == [reply] and service.inbox(OTHER) == [consent]


async def test_a_session_invalidated_while_the_bot_still_reads_back_the_last_gap_loses_nothing(
    tmp_path: Path,
) -> None:
    """Two new sessions in quick succession: the second READY comes while the read-back the first began is
    still waiting on Discord (discord.py identifies 5 s after op 9), and the DM the second gap missed is
    read back too. The bot used to skip that READY's read-back, so the DM waited for another READY."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        before = len(service.inbox())
        fake.slow_next("GET", HISTORY, 8)  # the first read-back waits on Discord's answer
        await fake.invalidate_session(resumable=False)
        await asyncio.wait_for(fake.slowed.wait(), 30)
        await fake.invalidate_session(resumable=False)
        fake.say_offline(MEMBER, ANSWERS[0])  # missed by the second session, after the first read
        await fake.wait_identified(3, seconds=30)
        [reply] = await service.settled(MEMBER, before, seconds=30)
        assert "How do you check" in reply["content"], reply["content"]
        await asyncio.sleep(1.5)
        assert service.inbox()[before:] == [reply]
