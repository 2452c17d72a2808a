"""`interviewer doctor`: checks the configuration an organizer is about to use, each line ok or a problem
with how to fix it. Exit status 1 when anything is a problem.

Checks: the database is reachable and migrated, and what `interviewer db problems` lists (messages,
invitations, follow-up wave members and follow-up waves set aside, deletions refused after a withdrawal,
cohort invitations given up);
Slack `auth.test` and the token's scopes against what adapters/slack/manifest.yaml asks for (read at run
time); Discord login and the privileged intents;
Claude: the key, the model id against the capability table, and one tiny real request in exactly the
shape the interviewer sends, so a model that rejects that shape fails here with the API's own message.
"""

from __future__ import annotations

import asyncio
from importlib.resources import files
from pathlib import Path
from typing import Any

import typer
import yaml

from bot.cli.doctor_records import Check, refused_deletions, set_aside, set_aside_outreach, unalerted
from bot.settings import Settings, get_settings

MANIFEST = Path(str(files("adapters.slack").joinpath("manifest.yaml")))  # installed with the package
DISCORD_API = "https://discord.com/api/v10"
MEMBERS_INTENT = (1 << 14) | (1 << 15)  # GATEWAY_GUILD_MEMBERS or _LIMITED (application flags)
TIMEOUT = 15  # seconds a platform check may take before it counts as unreachable
# Token prefixes: https://docs.slack.dev/authentication/tokens (bot tokens xoxb-, app-level tokens xapp-)
SLACK_BOT_PREFIX, SLACK_APP_PREFIX = "xoxb-", "xapp-"


async def database(settings: Settings) -> Check:
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from bot.storage import Store
    from bot.storage.store import alembic_config

    store = Store(settings.database_url)
    try:
        async with store.connection() as conn:
            names = await conn.run_sync(lambda c: __import__("sqlalchemy").inspect(c).get_table_names())
            have = set()
            if "alembic_version" in names:
                have = {
                    row[0] for row in (await conn.execute(text("SELECT version_num FROM alembic_version")))
                }
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the finding
        # the driver's own first line: SQLAlchemy adds the statement and a "Background on this error" link
        said = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:200]
        return Check(
            "database",
            False,
            f"cannot connect ({type(exc).__name__}: {said})",
            f"Check DATABASE_URL ({settings.database_shown}) and that the database server runs.",
        )
    finally:
        await store.close()
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    if have != heads:
        return Check(
            "database",
            False,
            f"at migration {', '.join(sorted(have)) or 'none (empty database)'}, newest is {', '.join(sorted(heads))}",
            "Run `interviewer db upgrade` (the bot also does it on start).",
        )
    return Check("database", True, f"reachable and migrated ({', '.join(sorted(heads))})")


def manifest_scopes(path: Path = MANIFEST) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return set(((data.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])


def unreachable(name: str, url: str, exc: BaseException, fix: str) -> Check:
    """The check's line when the service could not be reached at all (no DNS, refused, timed out)."""
    reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return Check(name, False, f"cannot reach {url} ({reason})", f"Check the network connection. {fix}")


def _token_hint(value: str, prefix: str, name: str, what: str) -> str:
    """A fix line, with a word on the token's form when it does not start as such tokens do."""
    hint = f"Set {name} to the app's {what} ({prefix}...)."
    if not value.strip().startswith(prefix):
        hint += f" The value set does not start with {prefix}; copy it again."
    return hint


async def _slack_call(settings: Settings, name: str, token: str, method: str, fix: str, **args: Any) -> Any:
    """Slack's answer to `method` called with `token`, or the Check saying why there is none."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=TIMEOUT)
    try:
        return await client.api_call(method, **args)
    except SlackApiError as exc:
        return Check(name, False, f"{method} failed: {exc.response.get('error')}", fix)
    except (OSError, TimeoutError) as exc:  # URLError, DNS failure, refused connection
        return unreachable(name, settings.slack_api_url, exc, f"SLACK_API_URL sets the address. {fix}")


async def slack(settings: Settings) -> Check | None:
    if settings.slack_bot_token is None:
        return None
    token = settings.slack_bot_token.get_secret_value()
    fix = _token_hint(token, SLACK_BOT_PREFIX, "SLACK_BOT_TOKEN", "Bot User OAuth Token")
    answer = await _slack_call(settings, "slack", token, "auth.test", fix)
    if isinstance(answer, Check):
        return answer
    granted = {s.strip() for s in (answer.headers.get("x-oauth-scopes") or "").split(",") if s.strip()}
    missing = sorted(manifest_scopes() - granted)
    if missing:
        return Check(
            "slack",
            False,
            f"the token lacks scopes {', '.join(missing)}",
            "Add them from adapters/slack/manifest.yaml and reinstall the app to the workspace.",
        )
    return Check("slack", True, f"signed in as {answer.get('user')} in {answer.get('team')}; scopes complete")


async def slack_app(settings: Settings) -> Check | None:
    """The app-level token Socket Mode connects with: apps.connections.open answers a websocket URL
    (https://docs.slack.dev/reference/methods/apps.connections.open; the token goes in the Authorization
    header, as the client sends it; nothing is connected here)."""
    if settings.slack_app_token is None:
        return None
    token = settings.slack_app_token.get_secret_value()
    fix = _token_hint(token, SLACK_APP_PREFIX, "SLACK_APP_TOKEN", "app-level token with connections:write")
    answer = await _slack_call(settings, "slack socket mode", token, "apps.connections.open", fix)
    if isinstance(answer, Check):
        return answer
    return Check("slack socket mode", True, "the app-level token may open a Socket Mode connection")


async def discord(settings: Settings) -> Check | None:
    if settings.discord_token is None:
        return None
    import aiohttp

    from adapters.discord.setup import application_id_from_token

    base = (settings.discord_api_base or DISCORD_API).rstrip("/")
    token = settings.discord_token.get_secret_value()
    fix = "Set DISCORD_TOKEN to the bot's token (Developer Portal: Bot > Reset Token)."
    try:
        application_id_from_token(token)
    except ValueError:
        fix += " The value set does not have a bot token's form; copy it again."
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    try:
        async with aiohttp.ClientSession(
            headers={"Authorization": f"Bot {token}"}, timeout=timeout
        ) as session:
            async with session.get(f"{base}/users/@me") as me:
                if me.status != 200:
                    return Check("discord", False, f"login failed ({me.status})", fix)
                user = await me.json()
            async with session.get(f"{base}/applications/@me") as app:
                flags = int((await app.json()).get("flags", 0)) if app.status == 200 else 0
    except (OSError, TimeoutError, aiohttp.ClientError) as exc:
        return unreachable("discord", base, exc, f"DISCORD_API_BASE sets the address. {fix}")
    members = "on" if flags & MEMBERS_INTENT else "off (only needed to invite a role's members)"
    return Check("discord", True, f"logged in as {user.get('username')}; Server Members intent {members}")


async def claude(settings: Settings) -> Check | None:
    if settings.anthropic_api_key is None:
        return Check("claude", True, "no ANTHROPIC_API_KEY: the offline interviewer will run")
    import anthropic

    from bot.claude.client import classify
    from bot.claude.models import TABLE_FILE, spec_for
    from bot.interviewer.claude import ClaudeInterviewer

    model = settings.anthropic_model
    if not spec_for(model).known:
        return Check(
            "claude",
            False,
            f"model {model} is not in the capability table",
            f"Set ANTHROPIC_MODEL to a model in {TABLE_FILE}, or add its row there.",
        )
    # one bounded try, like the other checks: a silent API must not keep `doctor` waiting for minutes
    interviewer = ClaudeInterviewer(settings, timeout=TIMEOUT, max_retries=0)
    try:
        params = interviewer.build_request(_tiny_context())
        message = await interviewer.client.messages.create(**params)
    except anthropic.APIError as exc:
        problem = classify(exc, model, str(interviewer.client.base_url))
        said = getattr(problem, "api_message", str(problem))
        refused = isinstance(exc, anthropic.APIStatusError)  # an answer; otherwise no answer came
        return Check(
            "claude",
            False,
            f"{model} refused the interviewer's request: {said}" if refused else f"{model}: {said}",
            getattr(problem, "fix", "Check the network and ANTHROPIC_BASE_URL."),
        )
    finally:
        await interviewer.aclose()
    return Check(
        "claude", True, f"{model} answered a real interviewer request (stop_reason {message.stop_reason})"
    )


def model_life(settings: Settings) -> list[Check]:
    """Deprecated ANTHROPIC_MODEL or ANALYSIS_MODEL: a note until Anthropic retires it, then a problem."""
    from bot.claude.models import retirement

    named = {settings.analysis_model or settings.anthropic_model: "ANALYSIS_MODEL"}
    named[settings.anthropic_model] = "ANTHROPIC_MODEL"  # one model set in both: named by the main one
    found = [retirement(m, variable=v) for m, v in named.items()] if settings.anthropic_api_key else []
    return [Check("claude model", not r.retired, r.said, r.fix, note=not r.retired) for r in found if r]


def _tiny_context() -> Any:
    from bot.interview.moves import Guidance, TopicState
    from bot.interviewer.base import InterviewContext
    from bot.studies.study import parse_study

    study = parse_study(
        {
            "id": "doctor",
            "title": "Doctor",
            "audience": "anyone",
            "research_goal": "Check the set-up.",
            "consent": {"text": "A check. Agree?"},
            "support": "Talk to someone you trust.",
            "plan": {
                "intro": "Hi.",
                "budget": {"minutes": 2, "max_questions": 1},
                "topics": [
                    {
                        "id": "work",
                        "goal": "Work",
                        "question": "What do you do at work?",
                        "priority": "must",
                        "max_followups": 0,
                    }
                ],
                "closing": "Thanks.",
            },
        },
        "doctor",
    )
    guidance = Guidance(None, False, "work", False, 1, 2.0)
    return InterviewContext(study, (), (TopicState("work"),), guidance)


async def run(settings: Settings) -> list[Check]:
    db = await database(settings)
    found: list[Check | None] = [db]
    if db.ok:
        found += [await unalerted(settings), await set_aside(settings), await set_aside_outreach(settings)]
        found.append(await refused_deletions(settings))
    found += [await slack(settings), await slack_app(settings), await discord(settings)]
    found += [*model_life(settings), await claude(settings)]
    return [c for c in found if c is not None]


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor() -> None:
        """Check the database, Slack, Discord and Claude set-up before inviting anyone."""
        checks = asyncio.run(run(get_settings()))
        for check in checks:
            mark = "note   " if check.note else "ok     " if check.ok else "PROBLEM"
            typer.echo(f"{mark} {check.name}: {check.detail}")
            if not check.ok and check.fix:
                typer.echo(f"        fix: {check.fix}")
        if not all(c.ok for c in checks):
            raise typer.Exit(1)
