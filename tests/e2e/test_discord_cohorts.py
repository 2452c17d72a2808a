"""A role invited as a cohort through `interviewer run --discord`, the process a user starts: each member of
the role gets one invitation DM (no bots, nobody without the role), a restart sends none again, and a
member who clicks the invitation's button is asked for consent."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from tests.e2e.test_discord import RESEARCHER, DiscordService, labels
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.helpers import write_study

INVITATION = "A ten minute chat about the tools you use at work?"
ALWAYS = {
    "send_window": "00:00-00:00",
    "quiet_hours": "00:00-00:00",
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
}


def invitations(fake: FakeDiscord, users: list[str]) -> Counter[str]:
    return Counter(
        user for user in users for m in fake.bot_messages(user) if str(m["content"]).startswith(INVITATION)
    )


async def test_a_roles_members_are_each_invited_once_across_a_restart(tmp_path: Path) -> None:
    """GET /guilds/{id}/members needs the Server Members intent
    (https://discord.com/developers/docs/resources/guild#list-guild-members); with it, the bot lists the
    role's members, leaves out bots, and DMs each person once."""
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies, invitation={"text": INVITATION, "max_reminders": 0}, schedule=ALWAYS)
    teachers_ids, others = ["601", "602", "603"], ["604"]
    async with FakeDiscord() as fake:
        channel = fake.guild_channel()
        teachers = fake.add_role(channel["guild_id"], "Teachers")
        for user in teachers_ids:
            fake.add_member(channel["guild_id"], user, [teachers])
        fake.add_member(channel["guild_id"], others[0], [])
        fake.add_member(channel["guild_id"], "699", [teachers], bot=True)
        fake.members_intent = True
        service = DiscordService(fake, tmp_path)
        await service.start()
        try:
            typed = fake.command_interaction(
                RESEARCHER,
                "interviewer",
                "invite",
                channel_id=channel["id"],
                study="pilot-study",
                to=f"role:<@&{teachers}>",
            )
            await fake.dispatch("INTERACTION_CREATE", typed)
            _, answer = await fake.answer(typed, 20)
            assert answer.startswith("3 invitation(s) for `pilot-study` scheduled"), answer
            everyone = [*teachers_ids, *others, "699"]
            await fake.wait_until(lambda: sum(invitations(fake, everyone).values()) >= 3, 30, "invitations")

            await service.bot.stop()
            await service.start()
            await asyncio.sleep(4)  # a few ticks of the restarted scheduler: nothing goes out again
            assert invitations(fake, everyone) == Counter(teachers_ids), "each teacher once, nobody else"

            [invitation] = [m for m in fake.bot_messages("601") if m["content"].startswith(INVITATION)]
            assert labels(invitation) == ["Take part", "Not now"]
            before = len(service.inbox("601"))
            await fake.click("601", invitation["id"], label="Take part")
            [consent] = await service.settled("601", before)
            assert labels(consent) == ["Yes, I agree", "No, thanks"], consent
            service.bot.check_running()
        finally:
            await service.bot.stop()
    assert "Traceback" not in service.bot.log, service.bot.log[-3000:]
