"""Clicks and commands Discord held while the gateway connection was down and replays on RESUME
(events/gateway#resuming), by then past the 3-second deadline for a first response, which Discord
refuses with 404 code 10062 (interactions/receiving-and-responding#responding-to-an-interaction): the
bot acts on each once and says what happened by DM, since the dead token takes no follow-up either."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.test_discord import MEMBER, RESEARCHER, discord_service, labels

LATE = "Your click reached me late"


async def test_a_click_replayed_after_its_deadline_counts_once_and_is_explained_by_dm(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        [consent] = await service.say("hi")
        click = fake.component_interaction(MEMBER, consent, "iv:1:consent:yes")
        await fake.drop_connections()  # a network failure: the session lives on, its events are held
        fake.age_interaction(click["id"], 4)  # clicked 4 seconds before the bot resumed
        await fake.dispatch("INTERACTION_CREATE", click)
        await fake.wait_until(lambda: len(service.inbox()) >= 3, 30, "the answer to the late click")
        await asyncio.sleep(1.5)
        new = service.inbox()[1:]
        assert sorted(LATE in m["content"] for m in new) == [False, True], [m["content"] for m in new]
        [release] = [m for m in new if LATE not in m["content"]]
        assert labels(release) == ["Yes, you may", "No, keep it private"], "the consent counted, once"
        assert fake.late_responses == [click["id"]] and fake.replayed == 1
        assert "**You answered:** Yes, I agree" in fake.messages[consent["id"]]["content"]


async def test_a_command_replayed_after_its_deadline_runs_and_answers_by_dm(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        command = fake.command_interaction(RESEARCHER, "interviewer", "status", study="pilot-study")
        await fake.drop_connections()
        fake.age_interaction(command["id"], 4)
        await fake.dispatch("INTERACTION_CREATE", command)
        await fake.wait_until(lambda: bool(service.inbox(RESEARCHER)), 30, "the command's answer by DM")
        [answer] = service.inbox(RESEARCHER)
        assert answer["content"].startswith("Your `/interviewer` command reached me late"), answer
        assert "pilot-study" in answer["content"] or "Tools at work" in answer["content"], answer
        assert fake.late_responses == [command["id"]]
