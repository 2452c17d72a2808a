"""Withdrawal in Slack, as users start the bot: `interviewer run --slack --http` deletes its own messages
from the participant's DM (chat.delete) once they withdraw, in the background, through a fake Slack."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_slack import Service, slack_service
from tests.support.fakes.slack_api import BOT_ID, dm_channel
from tests.support.fakes.slack_limits import TIERS
from tests.support.fakes.slack_service import ANSWERS, SlackPerson, consent_and_screen

ALICE, BOB = "UALICE", "UBOB"
WITHDRAWN = "Done: everything you told us in this study has been deleted"


def bot_messages(service: Service, user: str) -> dict[str, str]:
    """The bot's messages still in `user`'s DM on the fake: ts -> text."""
    channel = dm_channel(user)
    return {
        ts: str(m.get("text", ""))
        for (where, ts), m in service.fake.messages.items()
        if where == channel and m.get("bot_id") == BOT_ID
    }


async def part_of_an_interview(person: SlackPerson) -> None:
    await consent_and_screen(person)
    await person.say(ANSWERS[0])
    await person.say("mydata")  # a copy of the transcript, in the DM


async def withdraw(person: SlackPerson) -> None:
    await person.say("withdraw")
    confirmation = await person.click("Yes, delete my data")
    assert confirmation is not None and WITHDRAWN in confirmation["text"], confirmation


async def test_withdrawal_deletes_the_bots_messages_from_the_dm_and_keeps_the_confirmation(
    tmp_path: Path,
) -> None:
    """Through a 429 with Retry-After and a message already gone; Bob's DM is not touched."""
    async with slack_service(tmp_path) as service:
        fake = service.fake
        alice, bob = service.person(ALICE), service.person(BOB)
        await part_of_an_interview(alice)
        await consent_and_screen(bob)
        bobs = bot_messages(service, BOB)
        gone = sorted(bot_messages(service, ALICE))[1]  # deleted by someone else meanwhile
        del fake.messages[(dm_channel(ALICE), gone)]
        fake.rate_limit_next("chat.delete", retry_after=1)
        await withdraw(alice)
        to_delete = {p["ts"] for p in alice.posts[:-1]}
        assert len(to_delete) >= 6, "consent, release, screening, a question, mydata, the withdraw question"

        await fake.wait_until(lambda: to_delete - {gone} <= {ts for _, ts in fake.deleted}, 30)
        await alice.settled()
        assert list(bot_messages(service, ALICE).values()) == [alice.last["text"]], "only the confirmation"
        assert bot_messages(service, BOB) == bobs, "another person's DM is not touched"
        calls = [c for c in fake.calls_to("chat.delete") if c.status == 200]
        assert all(c.args["channel"] == dm_channel(ALICE) for c in calls)
        assert sorted(c.args["ts"] for c in calls) == sorted(to_delete), "each message deleted once"
        assert [c.error for c in calls if c.error] == ["message_not_found"], "the gone one, asked once"
        assert any(c.status == 429 for c in fake.calls_to("chat.delete")), "the limit was met"
        assert any(m.get("user") == ALICE for m in fake.messages.values()), "her own messages stay"
        assert "rejected by slack" not in service.bot.log


async def test_deletions_resume_after_a_crash(tmp_path: Path) -> None:
    """The bot is killed while its deletions wait out a rate limit; started again, it finishes them."""
    async with slack_service(tmp_path) as service:
        fake = service.fake
        alice = service.person(ALICE)
        await part_of_an_interview(alice)
        fake.rate_limit_next("chat.delete", retry_after=2)
        await withdraw(alice)
        await fake.wait_until(lambda: bool(fake.calls_to("chat.delete")), 15)
        service.bot.kill()
        await service.bot.wait_exit()
        assert len(bot_messages(service, ALICE)) > 5, "the crash came before the deletions were done"

        await service.start()
        await fake.wait_until(lambda: len(bot_messages(service, ALICE)) == 1, 30)
        assert WITHDRAWN in next(iter(bot_messages(service, ALICE).values()))
        deleted = [ts for _, ts in fake.deleted]
        assert len(deleted) == len(set(deleted)) == len(alice.posts) - 1


async def answered(person: SlackPerson, text: str) -> None:
    """Say `text` and wait for the bot's first post in answer (not for the DM to fall quiet)."""
    before = len(person.posts)
    await person.say(text, expect_reply=False)
    await person.fake.wait_until(lambda: len(person.posts) > before, 15)


@pytest.mark.long
async def test_a_long_history_is_deleted_within_slacks_limit_without_a_single_429(tmp_path: Path) -> None:
    """chat.delete is Tier 3: the fake answers 429 to the 51st call of a minute in a workspace
    (`tests.support.fakes.slack_limits.TIERS`). With more of the bot's messages than that in the DM, the
    bot deletes a minute's allowance, leaves the rest in the outbox until the minute has passed, and
    Slack never has to refuse a call."""
    async with slack_service(tmp_path) as service:
        fake = service.fake
        alice = service.person(ALICE)
        await consent_and_screen(alice)
        while len(alice.posts) <= TIERS["chat.delete"] + 3:
            await answered(alice, "help")
        await alice.settled()
        await withdraw(alice)
        to_delete = {p["ts"] for p in alice.posts[:-1]}
        assert len(to_delete) > TIERS["chat.delete"]

        await fake.wait_until(lambda: to_delete <= {ts for _, ts in fake.deleted}, 180)
        await alice.settled()
        statuses = [c.status for c in fake.calls_to("chat.delete")]
        assert statuses == [200] * len(to_delete), "each deleted once, and no call refused"
        assert list(bot_messages(service, ALICE).values()) == [alice.last["text"]], "only the confirmation"
        assert "rejected by slack" not in service.bot.log
