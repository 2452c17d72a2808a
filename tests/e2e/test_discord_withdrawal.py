"""Withdrawal in Discord, as users start the bot: `interviewer run --discord` deletes its own messages from
the participant's DM (DELETE /channels/{id}/messages/{id}) once they withdraw, through a fake Discord."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.test_discord import ANSWERS, MEMBER, DiscordService, discord_service, to_first_question

OTHER = "555"
WITHDRAWN = "Done: everything you told us in this study has been deleted"
DELETE = r"/channels/\d+/messages/\d+"


async def part_of_an_interview(service: DiscordService) -> list[str]:
    """Consent, screening, an answer and a `mydata` copy; returns the ids of the bot's messages."""
    await to_first_question(service)
    await service.say(ANSWERS[0])
    await service.say("mydata")
    return [m["id"] for m in service.inbox()]


async def withdraw(service: DiscordService) -> str:
    """`withdraw`, then the confirming click; returns the id of the withdraw question. Deletions may
    begin before the confirmation arrives, so the DM is watched for it, not for a count of messages."""
    [question] = await service.say("withdraw")
    await service.fake.click(MEMBER, question["id"], label="Yes, delete my data")
    await service.fake.wait_until(
        lambda: any(WITHDRAWN in m["content"] for m in service.inbox()), 20, "the confirmation"
    )
    return str(question["id"])


async def test_withdrawal_deletes_the_bots_messages_from_the_dm_and_keeps_the_confirmation(
    tmp_path: Path,
) -> None:
    """Through a 429 with Retry-After; another person's DM and the participant's own messages stay."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        earlier = await part_of_an_interview(service)  # first: its clicks name interview 1
        await service.say("hi", user=OTHER)
        others = [m["id"] for m in service.inbox(OTHER)]
        fake.fail_next("DELETE", DELETE, 429, retry_after=0.5)
        question = await withdraw(service)

        await fake.wait_until(lambda: len(service.inbox()) == 1, 30, "the bot's messages to be deleted")
        assert WITHDRAWN in service.inbox()[0]["content"], "the confirmation stays"
        assert sorted(fake.deleted) == sorted([*earlier, question]), "each of them, once"
        assert [m["id"] for m in service.inbox(OTHER)] == others, "another person's DM is not touched"
        own = [m for m in fake.messages.values() if m["author"]["id"] == MEMBER]
        assert len(own) >= 3, "the participant's own messages are theirs to delete"
        assert len(fake.requests_to("DELETE", DELETE)) == len(earlier) + 2, "one retry, after the 429"
        await asyncio.sleep(2)
        assert len(fake.requests_to("DELETE", DELETE)) == len(earlier) + 2, "nothing asked again later"


@pytest.mark.long
async def test_deletions_resume_after_a_crash_and_a_message_already_gone_counts_as_deleted(
    tmp_path: Path,
) -> None:
    """Killed while Discord carries out a deletion it never confirms; started again, the bot finishes the
    rest, and the interrupted one, asked again, answers 10008 Unknown Message: done, not an error."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await part_of_an_interview(service)
        fake.slow_next("DELETE", DELETE, 30)
        await withdraw(service)
        await asyncio.wait_for(fake.slowed.wait(), 20)
        service.bot.kill()
        await service.bot.wait_exit()
        [interrupted] = fake.deleted
        assert len(service.inbox()) > 5, "the crash came before the deletions were done"

        await service.start()
        await fake.wait_until(lambda: len(service.inbox()) == 1, 30, "the rest to be deleted")
        assert WITHDRAWN in service.inbox()[0]["content"]
        assert len(fake.deleted) == len(set(fake.deleted))
        asked = [r.path.rsplit("/", 1)[1] for r in fake.requests_to("DELETE", DELETE)]
        assert asked.count(interrupted) == 2, "asked again after the restart, and found gone"
        await asyncio.sleep(2)
        assert "rejected by discord" not in service.bot.log
