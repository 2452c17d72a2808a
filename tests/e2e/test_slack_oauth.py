"""One deployment, many communities: `interviewer run --slack --http` as a distributed app, installed
through "Add to Slack" in two workspaces of the fake Slack, each with its own bot token."""

from __future__ import annotations

import asyncio
import html
import json
import re
from pathlib import Path

import aiohttp

from adapters.slack.oauth import SCOPES
from tests.support.fakes.bot_process import BotProcess, free_port, service_env
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.fakes.slack_oauth import SlackOAuth
from tests.support.fakes.slack_rules import manifest_scopes
from tests.support.fakes.slack_service import ANSWERS, SECRET, SlackPerson, consent_and_screen
from tests.support.slack_signing import SlackPoster

TEAM_A, TEAM_B = "T0ALPHA", "T0BRAVO"


async def add_to_slack(port: int, oauth: SlackOAuth, team: str, admin: str) -> str:
    """What an admin's browser does: open the install page, follow "Add to Slack", click Allow on Slack's
    page, come back to the app with the code. Returns the page the app shows at the end."""
    oauth.approve_as(team, admin)
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"http://127.0.0.1:{port}/slack/install") as page:
            assert page.status == 200, await page.text()
            link = html.unescape(re.search(r'href="([^"]+/oauth/v2/authorize[^"]*)"', await page.text())[1])  # type: ignore[index]
            # the state cookie is Secure (HTTPS in production): carried by hand over the test's plain HTTP
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        async with browser.get(link, allow_redirects=False) as approved:
            assert approved.status == 302, await approved.text()
            back = approved.headers["Location"]
        async with browser.get(back, headers={"Cookie": cookie}) as done:
            assert done.status == 200, await done.text()
            return await done.text()


def test_add_to_slack_asks_for_the_manifests_scopes() -> None:
    assert frozenset(SCOPES) == manifest_scopes()


async def test_two_workspaces_installed_with_add_to_slack_run_side_by_side(tmp_path: Path) -> None:
    fake = FakeSlack()
    oauth = SlackOAuth(fake)
    async with fake:
        port = free_port()
        redirect = f"http://127.0.0.1:{port}/slack/oauth_redirect"
        oauth.redirect_urls.append(redirect)
        env = {
            **service_env(tmp_path, {"researchers": ["slack:URESA", "slack:URESB"]}),
            "SLACK_CLIENT_ID": oauth.client_id,
            "SLACK_CLIENT_SECRET": oauth.client_secret,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.base_url,
            "SLACK_AUTHORIZE_URL": f"{fake.root}/oauth/v2/authorize",
            "SLACK_REDIRECT_URI": redirect,
        }
        bot = BotProcess(tmp_path, env, "--slack", "--http", "--host", "127.0.0.1", "--port", str(port))
        await bot.start()
        try:
            await bot.wait_http(port)
            for team, admin in ((TEAM_A, "UADMINA"), (TEAM_B, "UADMINB")):
                await add_to_slack(port, oauth, team, admin)
                assert fake.workspace(team).scopes == manifest_scopes()
            url = f"http://127.0.0.1:{port}/slack/events"
            async with (
                SlackPoster(url, SECRET, team=TEAM_A, fake=fake) as in_a,
                SlackPoster(url, SECRET, team=TEAM_B, fake=fake) as in_b,
            ):
                alice, bob = SlackPerson(fake, in_a, "UALICE"), SlackPerson(fake, in_b, "UBOB")
                await asyncio.gather(consent_and_screen(alice), consent_and_screen(bob))
                await asyncio.gather(alice.say(ANSWERS[0]), bob.say(ANSWERS[1]))
                posted_by = {c.args["channel"]: c.team for c in fake.calls_to("chat.postMessage")}
                assert posted_by == {dm_channel("UALICE"): TEAM_A, dm_channel("UBOB"): TEAM_B}

                exports = {}
                for poster, researcher in ((in_a, "URESA"), (in_b, "URESB")):
                    person = SlackPerson(fake, poster, researcher)
                    assert "started" in await person.command(
                        "export pilot-study jsonl --include-incomplete", f"x{researcher}"
                    )
                await fake.wait_until(lambda: len(fake.uploads) == 2, 20)
                for upload in fake.uploads:
                    exports[upload["team"]] = [
                        json.loads(line) for line in upload["content"].decode().splitlines()
                    ]
                assert [len(exports[TEAM_A]), len(exports[TEAM_B])] == [1, 1], (
                    "each community's data stays with it"
                )
                assert ANSWERS[0][:40] in json.dumps(exports[TEAM_A]) and ANSWERS[1][:40] in json.dumps(
                    exports[TEAM_B]
                )

                # Workspace A removes the app: its token is revoked and Slack says so
                fake.uninstall(TEAM_A)
                status, _ = await in_a.post(in_a.event_body({"type": "app_uninstalled"}))
                assert status == 200
                calls_before = len(fake.calls)
                reply = await bob.say(ANSWERS[2])
                assert reply is not None and reply["text"], "workspace B carries on"
                await asyncio.sleep(1.5)
                after = fake.calls[calls_before:]
                assert after and not [c for c in after if c.team == TEAM_A], "nothing more is sent to A"
        finally:
            await bot.stop()
    assert "removed the app" in bot.log
