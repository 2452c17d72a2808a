"""Events a participant's Discord client can send that are not plain DMs, in `interviewer run --discord`:
messages in a server channel or thread (the bot interviews only in DMs), a sticker without words, and a
click whose custom_id names someone else's interview."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.test_discord import MEMBER, RESEARCHER, STRANGER, discord_service, labels, to_first_question


async def test_server_channel_and_thread_messages_start_no_interview(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        channel = fake.guild_channel()
        thread = {**fake.guild_channel(channel["guild_id"]), "type": 11, "parent_id": channel["id"]}
        fake.channels[thread["id"]] = thread  # a public thread (channel type 11) under the channel
        for where in (channel, thread):
            await fake.dispatch("MESSAGE_CREATE", fake._message_payload(where["id"], fake.user(MEMBER), "hi"))
        [consent] = await service.say("hi")
        assert labels(consent) == ["Yes, I agree", "No, thanks"], consent
        assert service.inbox() == [consent], "only the DM started an interview"
        posted = [m for m in fake.messages.values() if m["channel_id"] in (channel["id"], thread["id"])]
        assert all(m["author"]["id"] == MEMBER for m in posted), "nothing posted in the server"


async def test_a_sticker_without_words_is_not_taken_as_an_answer(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        sticker = fake.message_create(MEMBER, "")
        sticker["sticker_items"] = [{"id": fake.new_id(), "name": "wave", "format_type": 1}]
        before = len(service.inbox())
        await fake.dispatch("MESSAGE_CREATE", sticker)
        [note] = await service.settled(MEMBER, before)
        assert note["content"].startswith("I didn't catch any text"), note["content"]
        [question] = await service.say("I draft emails with it every day, and summarise long meeting notes.")
        assert question["content"].endswith("?") and "How do you check" in question["content"], question


async def test_a_click_naming_someone_elses_interview_changes_nothing_of_it(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        [consent] = await service.say("hi")
        [theirs] = await service.say("hello", user=STRANGER)
        yes = consent["components"][0]["components"][0]["custom_id"]  # iv:<MEMBER's interview>:consent:yes
        button = {"type": 2, "style": 2, "label": "Yes, I agree", "custom_id": yes}
        forged = {**theirs, "components": [{"type": 1, "components": [button]}]}
        payload = fake.component_interaction(STRANGER, forged, yes)
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_until(
            lambda: any(c["interaction"] == payload["id"] for c in fake.callbacks), 10, "an answer"
        )
        await asyncio.sleep(1)  # room for a wrong reply to arrive
        assert service.inbox() == [consent], "the member's interview did not move"
        assert labels(fake.messages[consent["id"]]) == ["Yes, I agree", "No, thanks"], "nor its buttons"
        assert not fake.late_responses


async def test_status_tells_the_researcher_of_an_open_interview_the_bot_can_no_longer_reach(
    tmp_path: Path,
) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        fake.close_dms(MEMBER)  # the member closes their DMs to the bot mid-interview: 403, code 50007
        await fake.say(MEMBER, "I draft emails with it every day, and summarise long meeting notes.")
        status = ""
        for _ in range(40):  # the reply fails in the background; status shows it once recorded
            status = await service.command(RESEARCHER, "status", study="pilot-study")
            if "cannot be reached" in status:
                break
            await asyncio.sleep(0.5)
        assert "• of the open ones, 1 cannot be reached: a message to them failed" in status, status
        fake.open_dms(MEMBER)
        before = len(service.inbox())
        await fake.say(MEMBER, "Sorry, I had closed my messages.")
        await service.settled(MEMBER, before)
        status = await service.command(RESEARCHER, "status", study="pilot-study")
        assert "cannot be reached" not in status, status
