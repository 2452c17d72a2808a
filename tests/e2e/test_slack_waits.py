"""Work that is not in the outbox, done after Slack was answered, waits out a rate limit longer than the
bot waits inside a call (https://docs.slack.dev/apis/web-api/rate-limits: on 429, wait Retry-After
seconds, then try again): an answered message's buttons, the Home tab and an export's upload. An export
that cannot be sent is said to the researcher who was promised it."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_slack import slack_service
from tests.support.fakes.slack_api import dm_channel
from tests.support.fakes.slack_service import buttons

LONG = 11  # seconds: more than the 10 s the client waits inside one call


async def test_buttons_home_tab_and_export_wait_out_a_long_rate_limit(tmp_path: Path) -> None:
    async with slack_service(tmp_path) as service:
        fake, poster = service.fake, service.poster
        alice, researcher = service.person("UALICE"), service.person("URESEARCH")
        consent = await alice.say("hi")
        assert consent is not None and buttons(consent)
        fake.rate_limit_next("chat.update", retry_after=LONG)
        fake.rate_limit_next("views.publish", retry_after=LONG)
        fake.rate_limit_next("files.getUploadURLExternal", retry_after=LONG)
        await alice.click("Yes, I agree")
        assert (await poster.home_opened("UALICE"))[0] == 200
        assert "started" in await researcher.command("export pilot-study csv", "export")

        def done() -> bool:
            updated = [c for c in fake.calls_to("chat.update") if c.error is None]
            return bool(updated and "UALICE" in fake.home_views and fake.uploads)

        await fake.wait_until(done, 4 * LONG)
        [upload] = fake.uploads
        assert upload["channel"] == dm_channel("URESEARCH")
        limited = [c.method for c in fake.calls if c.status == 429]
        assert sorted(limited) == ["chat.update", "files.getUploadURLExternal", "views.publish"], limited


async def test_an_export_that_cannot_be_sent_is_said_to_the_researcher(tmp_path: Path) -> None:
    """Under the command's own answer (its response_url), which needs no DM."""
    async with slack_service(tmp_path) as service:
        fake = service.fake
        researcher = service.person("URESEARCH")
        fake.fail_next("files.getUploadURLExternal", "invalid_arguments")  # refused: no retry helps
        assert "started" in await researcher.command("export pilot-study csv", "export")
        await fake.wait_until(lambda: len(fake.responses["export"]) == 2, 20)
        told = fake.responses["export"][1]
        assert told["response_type"] == "ephemeral" and not told.get("replace_original"), told
        assert told["text"].startswith("The export of `pilot-study` (csv) could not be sent"), told["text"]
        assert "invalid_arguments" in told["text"] and not fake.uploads and not researcher.posts
