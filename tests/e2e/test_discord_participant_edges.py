"""Participants doing unusual things in their Discord DM with `interviewer run --discord`: taking up a
second study's invitation in the middle of an interview, and clicking an old button while paused."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_discord import (
    MEMBER,
    RESEARCHER,
    DiscordService,
    discord_service,
    labels,
    to_first_question,
)
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.helpers import small_study, write_study

SECOND_INTRO = "Welcome to the second study."


async def test_a_second_studys_take_part_mid_interview_asks_its_own_consent(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    plan = {**small_study()["plan"], "intro": SECOND_INTRO}
    write_study(studies, id="second-study", title="Second one", plan=plan)
    async with FakeDiscord() as fake:
        channel = fake.guild_channel()
        service = DiscordService(fake, tmp_path)
        await service.start()
        try:
            await to_first_question(service)
            answer = await service.command(
                RESEARCHER, "invite", channel_id=channel["id"], study="second-study", to=f"<#{channel['id']}>"
            )
            assert answer.startswith("Posted the invitation to `second-study`"), answer
            post = [m for m in fake.messages.values() if m.get("channel_id") == channel["id"]][-1]
            before = len(service.inbox())
            await fake.click(MEMBER, post["id"], label="Take part")
            [consent] = await service.settled(MEMBER, before)
            assert consent["content"].startswith(SECOND_INTRO), consent["content"]
            assert labels(consent) == ["Yes, I agree", "No, thanks"], consent
            *_, again = await service.say("I use it for drafting emails mostly, every day at work.")
            assert again["content"].startswith(SECOND_INTRO) and labels(again), again
            [release] = await service.click("Yes, I agree")
            assert labels(release) == ["Yes, you may", "No, keep it private"], release
        finally:
            await service.bot.stop()
    assert "Traceback" not in service.bot.log, service.bot.log[-3000:]


async def test_a_click_on_an_old_question_while_paused(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        await service.say("hi")
        [release] = await service.click("Yes, I agree")
        [paused] = await service.say("pause")
        assert paused["content"].startswith("Paused."), paused["content"]
        before = len(service.inbox())
        await service.fake.click(MEMBER, release["id"], label="Yes, you may")
        [back, role] = await service.settled(MEMBER, before)
        assert back["content"] == "Welcome back.", back["content"]
        assert labels(role) == ["Engineer", "Designer", "Other"], "the click counts and the interview goes on"
        [answer] = await service.say("resume")
        assert answer["content"].startswith("We are not paused"), answer["content"]
