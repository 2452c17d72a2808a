"""`/interviewer` as an organizer or researcher meets it in `interviewer run --discord`: every command
`/interviewer help` lists exists as a slash command and answers only the caller."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_discord import RESEARCHER, discord_service, labels


async def test_every_command_help_lists_is_a_discord_subcommand(tmp_path: Path) -> None:
    """`audit` and `pilot` (and export's `--public`) were listed by help but missing from the slash
    command, so Discord offered nothing to run."""
    async with discord_service(tmp_path) as service:
        [command] = service.fake.commands
        subcommands = {o["name"]: o for o in command["options"]}
        listed = re.findall(r"`/interviewer (\w+)", await service.command(RESEARCHER, "help"))
        assert set(listed) <= set(subcommands), set(listed) - set(subcommands)
        assert "public" in {o["name"] for o in subcommands["export"]["options"]}


async def test_a_researcher_pilots_a_study_in_their_dm_and_audits_it(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        answer = await service.command(RESEARCHER, "pilot", study="pilot-study")
        assert answer.startswith("Starting a pilot interview of *Tools at work*"), answer
        await service.fake.wait_until(lambda: bool(service.inbox(RESEARCHER)), 20, "the pilot's first DM")
        [consent] = service.inbox(RESEARCHER)
        assert labels(consent) == ["Yes, I agree", "No, thanks"], consent
        # the researcher answers in the DM, where every participant answers: the pilot goes on
        [release] = await service.click("Yes, I agree", RESEARCHER)
        assert labels(release) == ["Yes, you may", "No, keep it private"], release
        await service.click("Yes, you may", RESEARCHER)
        [question] = await service.click("Designer", RESEARCHER)
        assert question["content"].startswith("Which tasks"), question["content"]

        audit = await service.command(RESEARCHER, "audit", study="pilot-study")
        assert "pilot-study" in audit and "I could not read" not in audit, audit
        started = await service.command(RESEARCHER, "export", study="pilot-study", format="csv", public=True)
        assert "started" in started, started
