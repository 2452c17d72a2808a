"""All configuration, read from the environment or a `.env` file; nothing else reads os.environ."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# platform:user_id, the form of a study's `researchers` (bot/studies/study.py, which cannot import this)
ACCESS_ID = re.compile(r"^(slack|discord|console):[^\s:]+$")
# The address settings and the schemes each accepts; a blank one means "not set" (its default)
ADDRESSES = {
    "anthropic_base_url": ("http", "https"),
    "slack_api_url": ("http", "https"),
    "slack_authorize_url": ("http", "https"),
    "slack_redirect_uri": ("http", "https"),
    "discord_api_base": ("http", "https"),
    "discord_gateway_url": ("ws", "wss"),
}


class Settings(BaseSettings):
    """Every knob of the bot. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Storage
    database_url: str = Field(
        default="sqlite+aiosqlite:///interviewer.db",
        description="SQLAlchemy URL; sqlite:///path or postgresql://user@host/db are accepted as-is.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None, description="Key for per-study participant codes; generated and stored if unset."
    )

    # Studies
    studies_dir: Path = Path("studies")
    default_study: str = "ai-at-work"
    require_approval: bool = Field(
        default=False,
        description="Refuse new (non-pilot) interviews of a study whose current plan version is not "
        "approved (`interviewer plan approve`). Turn on in production.",
    )

    # Claude
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-sonnet-5-5"
    anthropic_max_tokens: int = Field(default=1024, ge=64, le=8192)
    anthropic_timeout_seconds: float = Field(default=60.0, gt=0)
    anthropic_max_retries: int = Field(default=4, ge=0, le=10)
    anthropic_effort: Literal["low", "medium", "high", "xhigh", "max"] = Field(
        default="low",
        description="Effort for interview moves and persona replies (chat speed); thinking is kept at the "
        "lowest setting the model accepts. Models without effort ignore it.",
    )
    anthropic_analysis_effort: Literal["low", "medium", "high", "xhigh", "max"] = Field(
        default="medium",
        description="Effort for uses that may think: plan drafts and critiques, analysis coding.",
    )
    anthropic_fallback_model: str | None = Field(
        default=None,
        description="Model asked once more when ANTHROPIC_MODEL declines a request (stop_reason refusal).",
    )
    anthropic_cache_ttl: Literal["auto", "5m", "1h", "off"] = Field(
        default="auto",
        description="Prompt cache lifetime per interview turn; auto follows the participant's pace.",
    )

    # Analysis with Claude (`interviewer analyze --mode claude`)
    analysis_model: str | None = Field(
        default=None, description="Model for the Claude analysis; ANTHROPIC_MODEL when unset."
    )
    analysis_batch_threshold: int = Field(
        default=50,
        ge=1,
        description="Studies with at least this many interviews go through the Message Batches API "
        "(half price, results within 24 hours); smaller ones as individual requests.",
    )
    analysis_concurrency: int = Field(
        default=8, ge=1, le=64, description="Individual analysis requests in flight at once."
    )
    analysis_batch_poll_seconds: float = Field(
        default=30.0, gt=0, description="First wait between batch status checks; it doubles up to 10 min."
    )

    # Analysis in both modes
    analysis_min_cell: int = Field(
        default=10,
        ge=1,
        description="Prevalence, emotion and role cells with fewer participants are not shown (privacy).",
    )
    analysis_cache_dir: Path = Field(
        default=Path(".interviewer-cache"),
        description="Stage results and sentence vectors of analyses, one folder per study or CSV file. "
        "It holds derived participant data: keep it under the same access rules as the transcripts.",
    )

    redaction_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "interviewer",
        description="Where the names index used by redaction is built once (a few MB; no participant data).",
    )

    # Engine behaviour
    coalesce_seconds: float = Field(
        default=2.0, ge=0, description="Quiet window that merges quick consecutive messages into one turn."
    )
    slack_coalesce_seconds: float | None = Field(
        default=None, ge=0, description="The quiet window on Slack; COALESCE_SECONDS when unset."
    )
    discord_coalesce_seconds: float | None = Field(
        default=None, ge=0, description="The quiet window on Discord; COALESCE_SECONDS when unset."
    )
    claude_wait_notice_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "When the interviewer's next question takes longer than this (Claude slow, rate-limited or "
            "retrying), the participant is told once to give it a moment; the question follows."
        ),
    )
    retry_after_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long to wait before retrying a turn the interviewer could not answer.",
    )
    retry_max_seconds: float = Field(
        default=900.0,
        gt=0,
        description="Longest wait between retries while Claude is unavailable (the wait doubles up to it).",
    )
    claude_later_minutes: float = Field(
        default=30.0,
        gt=0,
        description="After this long without Claude, the participant is told the interview continues later.",
    )
    max_message_chars: int = Field(
        default=8000, ge=100, description="Longer participant messages are truncated."
    )
    tick_seconds: float = Field(default=5.0, gt=0)

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Distribution ("Add to Slack"): one HTTP-mode deployment, many workspaces, a bot token for each
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_authorize_url: str = Field(
        default="https://slack.com/oauth/v2/authorize",
        description='Where "Add to Slack" sends people to approve the app (tests point it at a local fake).',
    )
    slack_redirect_uri: str | None = Field(
        default=None,
        description="The Redirect URL configured for the app (https://your.host/slack/oauth_redirect); "
        "when unset, Slack uses the one in the app's settings.",
    )

    # Discord
    discord_token: SecretStr | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None

    cohort_confirm_above: int = Field(
        default=200,
        ge=1,
        description="Channel and role cohorts larger than this ask the organizer to confirm before any DM "
        "is scheduled (`... confirm`): platforms treat mass DMs as spam.",
    )

    admins: str = Field(
        default="",
        description="Comma-separated platform:user_id entries allowed to run every study's commands.",
    )

    log_level: str = "INFO"

    @field_validator(
        "anthropic_api_key",
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "slack_client_secret",
        "discord_token",
        "pseudonym_key",
        "anthropic_fallback_model",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`FOO=` in a shell or .env means "not set", not "set to nothing"."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept the URLs people paste and pick the async driver for them."""
        if url.startswith("sqlite:///"):
            url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url.removeprefix(prefix)
        if not url.startswith(("sqlite+aiosqlite:", "postgresql+psycopg:")):
            raise ValueError("use sqlite:///path/to/file.db or postgresql://user@host/database")
        if url.startswith("sqlite") and url.partition(":///")[2].split("?", 1)[0] in ("", ":memory:"):
            # in memory, every interview would vanish when the command ends (sqlite:///$UNSET_VARIABLE)
            raise ValueError("give the database file's path, e.g. sqlite:///interviewer.db")
        try:
            _ = make_url(url).port  # the port is parsed when asked for
        except (ValueError, ArgumentError):
            raise ValueError(
                "cannot be read as a URL; write it as postgresql://user:password@host:5432/database"
            ) from None
        if url.startswith("postgresql") and _authority(url).count("@") > 1:
            # Else the host would be read from the password's tail, and errors would show that tail.
            raise ValueError("write an @ in the user name or password as %40 (URL encoding)")
        return url

    @field_validator(*ADDRESSES, mode="before")
    @classmethod
    def _web_address(cls, value: object, info: ValidationInfo) -> object:
        """An address the bot will call: refused now, not as a crash on the first request."""
        if not isinstance(value, str):
            return value
        name = info.field_name or ""
        if not value.strip():
            return cls.model_fields[name].default
        schemes = ADDRESSES[name]
        try:
            url = urlsplit(value.strip())
            _ = url.port  # raises for a port that is not a number
        except ValueError:
            url = urlsplit("")
        if not url.hostname or url.scheme not in schemes:
            starts = " or ".join(f"{scheme}://" for scheme in schemes)
            raise ValueError(
                f"{value[:80]!r} is not an address starting {starts}, e.g. {schemes[-1]}://host/"
            )
        return value.strip()

    @field_validator("admins")
    @classmethod
    def _admin_ids(cls, admins: str) -> str:
        """Every entry in the form access checks compare with; another form would match nobody."""
        for entry in (a.strip() for a in admins.split(",")):
            if entry and not ACCESS_ID.match(entry):
                raise ValueError(
                    f"{entry[:60]!r} is not platform:user_id; write e.g. ADMINS=slack:U0123ABCD,discord:1234"
                )
        return admins

    @field_validator("retry_max_seconds")
    @classmethod
    def _caps_the_first_wait(cls, longest: float, info: ValidationInfo) -> float:
        first = info.data.get("retry_after_seconds")
        if first is not None and longest < first:
            raise ValueError(
                f"{longest:g} is less than RETRY_AFTER_SECONDS ({first:g}), the first wait it caps; "
                "raise it or lower RETRY_AFTER_SECONDS"
            )
        return longest

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, name: str) -> str:
        """A level name in any case; a misspelt one would otherwise log at INFO without a word."""
        level = name.strip().upper()
        if level not in (*LOG_LEVELS, "WARN"):
            raise ValueError(f"{name[:40]!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    def coalesce_for(self, platform: str) -> float:
        """The quiet window for one platform. The terminal has none: a person there sends whole lines and
        waits for the answer, so there is nothing to merge."""
        if platform == "console":
            return 0.0
        own = {"slack": self.slack_coalesce_seconds, "discord": self.discord_coalesce_seconds}.get(platform)
        return self.coalesce_seconds if own is None else own

    @property
    def slack_distributed(self) -> bool:
        """Installed through "Add to Slack" in any number of workspaces, instead of one bot token."""
        return bool(self.slack_client_id)

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.admins.split(",") if a.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def database_shown(self) -> str:
        """DATABASE_URL with its password hidden, for messages."""
        return shown_url(self.database_url)


def _authority(url: str) -> str:
    """The user, password, host and port of a URL: between :// and the path or query."""
    rest = url.partition("://")[2].split("?", 1)[0]
    return rest.rsplit("/", 1)[0] if "/" in rest else rest


def shown_url(url: str) -> str:
    """`url` as a user writes it (without the driver the bot adds, `+aiosqlite`, `+psycopg`), with anything
    between the user name and the last @ of its authority shown as ***."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.removesuffix("+aiosqlite").removesuffix("+psycopg")
    authority = _authority(url)
    if not url.startswith("postgresql") or "@" not in authority:
        return f"{scheme}://{rest}" if rest else url
    userinfo, _, host = authority.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}{rest[len(authority) :]}"


class EnvFileNotText(ValueError):
    """The `.env` file in the working folder is not UTF-8 text (binary, or saved in another encoding)."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except UnicodeDecodeError as exc:  # only .env is read as a file here
        raise EnvFileNotText(
            f"{Path('.env').absolute()} is not UTF-8 text (byte {exc.start + 1} cannot be read); save it as "
            "UTF-8 with one NAME=value per line, or move it away"
        ) from None
