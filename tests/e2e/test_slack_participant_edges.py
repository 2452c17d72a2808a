"""Participants doing unusual things in their Slack DM with `interviewer run --slack --http`: commands in
the study's language, shouted or padded; withdrawing mid-survey and starting again; clicking old buttons;
very long messages and messages with mentions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.interview.locales import texts_for
from tests.e2e.test_slack import slack_service
from tests.support.fakes.slack_service import ANSWERS, buttons, consent_and_screen

GERMAN = texts_for("de")


async def test_german_commands_shouted_and_padded_are_understood(tmp_path: Path) -> None:
    async with slack_service(tmp_path, {"language": "de"}) as service:
        anna = service.person("UANNA")
        await anna.say("Hallo")
        await anna.click(GERMAN.consent_yes)
        await anna.click(GERMAN.release_yes)
        question = await anna.click("Designer")
        assert question is not None and question["text"].endswith("?"), question
        helped = await anna.say("  HILFE!! ")
        assert helped is not None and "`zurückziehen`" in helped["text"], helped
        paused = await anna.say("Pause.")
        assert paused is not None, paused
        back = await anna.say("weiter")
        assert back is not None and "Which tasks" in anna.last["text"], [p["text"] for p in anna.posts[-3:]]
        stopped = await anna.say("STOPP!")
        assert stopped is not None and stopped["text"].startswith(GERMAN.stopped_text[:20]), stopped
        asked = await anna.say(" Zurückziehen ")
        assert asked is not None and buttons(asked) == [GERMAN.withdraw_yes, GERMAN.withdraw_no], asked


async def test_withdrawing_in_the_survey_then_starting_again_and_clicking_an_old_answer(
    tmp_path: Path,
) -> None:
    async with slack_service(tmp_path) as service:
        alice = service.person("UALICE")
        await consent_and_screen(alice)
        for answer in ANSWERS:
            if buttons(alice.last):
                break
            await alice.say(answer)
        survey = alice.last
        assert buttons(survey), survey["text"]
        await alice.say("withdraw")
        done = await alice.click("Yes, delete my data")
        assert done is not None and "deleted" in done["text"], done
        await alice.settled()
        # a click on the survey question of the withdrawn interview: nothing is recorded for it
        before = len(alice.posts)
        status, _ = await service.poster.click("UALICE", survey, buttons(survey)[0])
        assert status == 200
        await asyncio.sleep(1.5)
        late = [p["text"] for p in alice.posts[before:]]
        assert all("Thank you" not in t for t in late), late
        again = await alice.say("start")
        assert again is not None and buttons(again) == ["Yes, I agree", "No, thanks"], again
        view = json.dumps(await alice.open_home())
        assert "withdrawn" in view, view


async def test_a_very_long_message_is_cut_and_said_so_once(tmp_path: Path) -> None:
    async with slack_service(tmp_path, MAX_MESSAGE_CHARS="500") as service:
        alice = service.person("UALICE")
        await consent_and_screen(alice)
        before = len(alice.posts)
        await alice.say("word " * 400)
        replies = [p["text"] for p in alice.posts[before:]]
        assert [t for t in replies if "so I kept the first 499" in t] == replies[:1], replies
        assert replies[-1].endswith("?"), replies


async def test_mentions_in_an_answer_are_never_sent_back_as_pings(tmp_path: Path) -> None:
    async with slack_service(tmp_path) as service:
        alice = service.person("UALICE")
        await consent_and_screen(alice)
        before = len(alice.posts)
        await alice.say("<!channel> <!everyone> <@UBOSS> says we use it for everything, @here too.")
        await alice.say("mydata")
        for post in alice.posts[before:]:
            text = json.dumps(post)
            for ping in ("<!channel>", "<!everyone>", "<@UBOSS>", "<!here>"):
                assert ping not in text, (ping, post["text"][:200])
