""" "Add to Slack" for the fake Slack: the authorize page and `oauth.v2.access`.

    oauth = SlackOAuth(fake)                      # before `async with fake`
    oauth.approve_as("T0SECOND", "UADMIN2")       # who clicks "Allow", and in which workspace
    # GET {fake.root}/oauth/v2/authorize?client_id=…&scope=…&state=…&redirect_uri=…  -> 302 to the app

Written from https://docs.slack.dev/authentication/installing-with-oauth and
https://docs.slack.dev/reference/methods/oauth.v2.access: the person approves the requested bot scopes
for their workspace; Slack redirects to the app's Redirect URL (one configured for the app; a
`redirect_uri` given must match it) with a one-time `code`, valid ten minutes, and the `state` unchanged.
The app exchanges the code with its client id and secret (HTTP Basic or form fields) for a bot token.
Errors: invalid_client_id, bad_client_secret, invalid_code, bad_redirect_uri.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

if TYPE_CHECKING:
    from tests.support.fakes.slack_api import FakeSlack

CODE_SECONDS = 600.0


class SlackOAuth:
    def __init__(
        self, fake: FakeSlack, *, client_id: str = "1111.2222", client_secret: str = "fake-client-secret"
    ):
        self.fake = fake
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_urls: list[str] = []  # the app's configured Redirect URLs
        self.installer: tuple[str, str] | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        fake.extensions.append(self)

    def approve_as(self, team_id: str, user_id: str) -> None:
        self.installer = (team_id, user_id)

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/oauth/v2/authorize", self._authorize)

    async def close(self) -> None:
        pass

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != self.client_id:
            return web.Response(status=400, text="invalid_client_id")
        redirect = query.get("redirect_uri") or (self.redirect_urls[0] if self.redirect_urls else "")
        if not any(redirect.startswith(url) for url in self.redirect_urls):
            return web.Response(status=400, text="bad_redirect_uri")
        assert self.installer is not None, "call approve_as() first: someone has to click Allow"
        code = secrets.token_hex(10)
        self.codes[code] = {
            "team": self.installer[0],
            "user": self.installer[1],
            "scopes": frozenset(s for s in query.get("scope", "").split(",") if s),
            "redirect_uri": query.get("redirect_uri"),
            "at": time.monotonic(),
        }
        target = f"{redirect}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        raise web.HTTPFound(target)

    async def api(
        self, method: str, args: dict[str, Any], request: web.Request
    ) -> tuple[dict[str, Any]] | None:
        if method != "oauth.v2.access":
            return None
        client_id, secret = args.get("client_id"), args.get("client_secret")
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if client_id != self.client_id:
            return ({"ok": False, "error": "invalid_client_id"},)
        if secret != self.client_secret:
            return ({"ok": False, "error": "bad_client_secret"},)
        grant = self.codes.pop(str(args.get("code")), None)
        if grant is None or time.monotonic() - grant["at"] > CODE_SECONDS:
            return ({"ok": False, "error": "invalid_code"},)
        if grant["redirect_uri"] and args.get("redirect_uri") != grant["redirect_uri"]:
            return ({"ok": False, "error": "bad_redirect_uri"},)
        workspace = self.fake.install(grant["team"], scopes=grant["scopes"])
        return (
            {
                "ok": True,
                "access_token": workspace.token,
                "token_type": "bot",
                "scope": ",".join(sorted(grant["scopes"])),
                "bot_user_id": workspace.bot_user,
                "app_id": "AFAKE",
                "team": {"name": f"Team {grant['team']}", "id": grant["team"]},
                "enterprise": None,
                "authed_user": {"id": grant["user"]},
                "is_enterprise_install": False,
            },
        )
