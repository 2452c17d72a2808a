"""The `response_url`s the fake Slack hands out with slash commands and button clicks, and the endpoint
an app posts its replies to (`tests.support.fakes.slack_api.FakeSlack.response_url`).

Written from https://docs.slack.dev/interactivity/handling-user-interaction#message_responses: a
`response_url` "is unique to each payload" and "These responses can be sent up to 5 times within 30
minutes of receiving the payload"; an app that needs longer must "publish it in the standard way"
(chat.postMessage). The page does not say what Slack answers past either bound, so the fake's answer is
its own choice: HTTP 404 with the plain-text body `expired_url`. A response_url works like an incoming
webhook, whose errors are an HTTP status and a one-word text body, 404 for a destination that does not
exist (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks). A URL the fake
never handed out answers 404 `no_service` (likewise chosen: the body Slack's webhooks are reported to give
for a URL that is not, or no longer, a hook).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from tests.support.fakes.slack_api import FakeSlack

USES = 5  # "up to 5 times"
SECONDS = 30 * 60.0  # "within 30 minutes of receiving the payload"


@dataclass
class _Issued:
    at: float  # FakeSlack.clock() when the payload carrying the URL was sent
    uses: int = 0  # replies accepted so far


class ResponseUrls:
    """Every response_url handed out, when, and how often it was used."""

    def __init__(self, fake: FakeSlack):
        self.fake = fake
        self.issued: dict[str, _Issued] = {}

    def issue(self, name: str) -> str:
        """A fresh response_url (a payload sent now); handing out a name again starts it afresh."""
        self.issued[name] = _Issued(self.fake.clock())
        return f"{self.fake.root}/respond/{name}"

    def refusal(self, name: str) -> str | None:
        """None when a reply to `name` is accepted now, else the text Slack's 404 carries."""
        issued = self.issued.get(name)
        if issued is None:
            return "no_service"
        if issued.uses >= USES or self.fake.clock() - issued.at > SECONDS:
            return "expired_url"
        return None

    async def respond(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.json()
        refused = self.refusal(name)
        if refused is not None:
            self.fake.record("respond", {"name": name, **body}, 404, refused)
            return web.Response(status=404, text=refused)
        self.issued[name].uses += 1
        self.fake.responses[name].append(body)
        self.fake.record("respond", {"name": name, **body}, 200, None)
        return web.Response(text="ok")
