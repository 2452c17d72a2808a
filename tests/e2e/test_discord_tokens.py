"""A bot token reset while `interviewer run --discord` is connected.

Resetting the token in the Developer Portal makes every REST call answer 401 `{"message": "401:
Unauthorized", "code": 0}` (https://discord.com/developers/docs/reference#authentication), while the
gateway session may stay open. Retrying each waiting message with the dead token would count towards
Discord's invalid request limit (401, 403 and 429 answers, 10,000 per 10 minutes per IP:
https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans) and,
after a day of retries, drop the messages. The bot stops instead, says why, and sends what waited once
it is started again with the new token.
"""

from __future__ import annotations

import asyncio
import time

from tests.e2e.test_discord import ANSWERS, MEMBER, discord_service, to_first_question


async def test_a_token_reset_stops_the_bot_and_the_waiting_reply_goes_after_the_restart(tmp_path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        before = len(service.inbox())

        fake.token = "reset-token"
        reset = time.monotonic()
        await fake.say(MEMBER, ANSWERS[0])
        assert await asyncio.wait_for(service.bot.wait_exit(), 30) == 2, service.bot.log[-3000:]
        assert "Discord rejected DISCORD_TOKEN (401)" in service.bot.log
        assert "Traceback" not in service.bot.log
        refused = [r for r in fake.requests if r.at >= reset]
        assert 1 <= len(refused) <= 3, f"stopped at the first refusal, not retrying: {refused}"
        assert len(service.inbox()) == before

        service.bot.env["DISCORD_TOKEN"] = "reset-token"
        await service.start()
        [reply] = await service.settled(MEMBER, before, seconds=30)
        assert "How do you check" in reply["content"], reply["content"]
        await service.bot.stop()
        assert service.inbox()[before:] == [reply], "the reply went once"
