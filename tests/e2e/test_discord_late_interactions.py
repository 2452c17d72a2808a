"""Clicks and commands Discord held while the gateway connection was down and replays on RESUME
(events/gateway#resuming), by then past the 3-second deadline for a first response, which Discord
refuses with 404 code 10062 (interactions/receiving-and-responding#responding-to-an-interaction): the
bot acts on each once and says what happened by DM, since the dead token takes no follow-up either."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.interview.locales import ENGLISH, texts_for
from tests.e2e.test_discord import MEMBER, RESEARCHER, DiscordService, discord_service, labels

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


async def late_channel_click(service: DiscordService, label: str) -> dict[str, Any]:
    """An organizer posts the invitation in a channel; MEMBER's click on `label` there reaches the bot
    only on RESUME, 4 seconds after it was made. Returns the click."""
    fake = service.fake
    [channel] = [c for c in fake.channels.values() if c.get("guild_id")]
    posted = await service.command(RESEARCHER, "invite", study="pilot-study", to=f"<#{channel['id']}>")
    assert "Posted the invitation" in posted, posted
    [post] = [m for m in fake.messages.values() if m["channel_id"] == channel["id"]]
    [custom_id] = [
        b["custom_id"] for row in post["components"] for b in row["components"] if b["label"] == label
    ]
    click = fake.component_interaction(MEMBER, post, custom_id)
    await fake.drop_connections()
    fake.age_interaction(click["id"], 4)
    await fake.dispatch("INTERACTION_CREATE", click)
    return click


async def test_a_take_part_click_replayed_after_its_deadline_starts_the_interview_once(
    tmp_path: Path,
) -> None:
    """The channel's "Take part" came too late to be answered under the post: the interview's first DM
    comes as usual, with a DM saying the click counted, each once."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        click = await late_channel_click(service, "Take part")
        new = await service.settled(MEMBER, 0, seconds=30)
        await asyncio.sleep(1.5)
        assert service.inbox() == new and len(new) == 2, [m["content"] for m in new]
        [note] = [m for m in new if LATE in m["content"]]
        [consent] = [m for m in new if m is not note]
        assert labels(consent) == ["Yes, I agree", "No, thanks"], consent
        assert fake.late_responses == [click["id"]] and fake.replayed == 1
        assert not [c for c in fake.callbacks if c["interaction"] == click["id"]]


async def test_a_not_now_click_replayed_after_its_deadline_is_answered_once_by_dm(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        click = await late_channel_click(service, "Not now")
        [note] = await service.settled(MEMBER, 0, seconds=30)
        assert note["content"].startswith(LATE) and ENGLISH.not_now_in_channel in note["content"], note
        assert not labels(note), "no interview starts"
        assert fake.late_responses == [click["id"]] and fake.replayed == 1
        await asyncio.sleep(1.5)
        assert service.inbox() == [note]


async def test_a_german_studys_late_click_is_explained_in_german(tmp_path: Path) -> None:
    """The button's interview names the study, and with it the language of the note."""
    german = texts_for("de")
    async with discord_service(tmp_path, {"language": "de"}) as service:
        fake = service.fake
        [consent] = await service.say("Hallo")
        click = fake.component_interaction(MEMBER, consent, "iv:1:consent:yes")
        await fake.drop_connections()
        fake.age_interaction(click["id"], 4)
        await fake.dispatch("INTERACTION_CREATE", click)

        def arrived() -> list[str]:
            return [m["content"] for m in service.inbox()[1:]]

        await fake.wait_until(lambda: len(arrived()) >= 2, 30, "the note and the next question")
        notes = [text for text in arrived() if text.startswith(german.late_click.split(";")[0])]
        assert notes == [german.late_click], arrived()
        assert not any(LATE in text for text in arrived()), "no English note"
        assert any(german.release_yes in labels(m) for m in service.inbox()[1:]), "the consent counted"
        assert fake.late_responses == [click["id"]]


async def test_a_german_studys_late_not_now_is_all_german(tmp_path: Path) -> None:
    german = texts_for("de")
    async with discord_service(tmp_path, {"language": "de"}) as service:
        click = await late_channel_click(service, german.not_now_label)
        [note] = await service.settled(MEMBER, 0, seconds=30)
        assert note["content"] == f"{german.late_click}\n\n{german.not_now_in_channel}", note
        assert service.fake.late_responses == [click["id"]]
