"""A participant's typed commands in the DM, as they meet them in `interviewer run --discord`: each
answer says what happens next, and doing what it says works."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_discord import discord_service, to_first_question


async def test_resume_after_stop_says_how_to_begin_again_not_to_just_reply(tmp_path: Path) -> None:
    """ "We are not paused; just reply to continue" after `stop` sent the participant into a reply that
    only got "This interview was stopped": `resume` now gives that note, and `start` does begin again."""
    async with discord_service(tmp_path) as service:
        await to_first_question(service)
        [paused] = await service.say("pause")
        assert paused["content"].startswith("Paused."), paused["content"]
        [back, question] = await service.say("resume")
        assert (back["content"], question["content"]) == (
            "Welcome back.",
            "Where we left off: Which tasks do you use tools for?",
        )
        [stopped] = await service.say("stop")
        assert stopped["content"].startswith("Stopped."), stopped["content"]

        [answer] = await service.say("resume")
        assert "not paused" not in answer["content"], answer["content"]
        assert answer["content"].startswith("This interview was stopped. Type `start`"), answer["content"]
        [again, *_] = await service.say("start")
        assert again["content"].startswith("Hello, I am an AI interviewer."), again["content"]
