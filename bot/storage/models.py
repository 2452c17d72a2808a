"""The tables. Turns are append-only; inbox and outbox rows make delivery exactly-once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Table, Text, UniqueConstraint, false, inspect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from bot.messages import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back time-zone aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return (
            value.astimezone(UTC)
            if value is not None and dialect.name != "sqlite"
            else (value.astimezone(UTC).replace(tzinfo=None) if value is not None else None)
        )

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, **kw))


def _ts_null(index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=index))


def _json(default: Any) -> Any:
    return Field(default_factory=lambda: type(default)(), sa_column=Column(JSON, nullable=False))


class StudyVersion(SQLModel, table=True):
    """A frozen study plan. Every interview points at the version it ran under."""

    __tablename__ = "study_versions"
    __table_args__ = (UniqueConstraint("study_id", "plan_hash"), UniqueConstraint("study_id", "version"))
    id: int | None = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, max_length=64)
    version: int
    plan_hash: str = Field(max_length=64)
    content: dict[str, Any] = _json({})
    source_path: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = _ts_null()
    created_at: datetime = _ts()


class Participant(SQLModel, table=True):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    timezone: str | None = None
    timezone_chosen: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # by them
    unreachable: bool = False
    opted_out: bool = False
    created_at: datetime = _ts()


class Interview(SQLModel, table=True):
    """One participant's run through one study. After withdrawal this row is the content-free tombstone."""

    __tablename__ = "interviews"
    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participants.id", index=True)
    study_id: str = Field(index=True, max_length=64)
    study_version: int
    plan_hash: str = Field(max_length=64)
    participant_code: str = Field(max_length=32, index=True)
    state: str = Field(index=True, max_length=24)
    data: dict[str, Any] = _json({})  # state machine progress: see bot.interview.conversation.Progress
    interviewer: str = Field(default="", max_length=32)
    pilot: bool = False
    move_due_at: datetime | None = _ts_null(index=True)  # set while the interviewer owes a reply
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    completed_at: datetime | None = _ts_null()
    erased_at: datetime | None = _ts_null()  # content deleted (withdrawal or retention): a tombstone


class Turn(SQLModel, table=True):
    """One message of the interview proper, with the interviewer's bookkeeping on its own turns."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("interview_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interviews.id", index=True)
    seq: int
    role: str = Field(max_length=16)  # interviewer | participant
    text: str = Field(sa_column=Column(Text, nullable=False))
    topic_id: str | None = None
    move: str | None = None
    covered: list[str] = _json([])
    followups_used: int = 0
    flags: list[str] = _json([])
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    created_at: datetime = _ts()


class ScreeningAnswer(SQLModel, table=True):
    __tablename__ = "screening_answers"
    __table_args__ = (UniqueConstraint("interview_id", "question_id"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interviews.id", index=True)
    question_id: str = Field(max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts()


class SurveyAnswer(SQLModel, table=True):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("interview_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interviews.id", index=True)
    item_id: str = Field(max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts()


class ConsentRecord(SQLModel, table=True):
    __tablename__ = "consent_records"
    __table_args__ = (UniqueConstraint("interview_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(foreign_key="interviews.id", index=True)
    kind: str = Field(max_length=16)  # participation | release
    granted: bool
    text_hash: str = Field(max_length=64)
    created_at: datetime = _ts()


class InboxRow(SQLModel, table=True):
    """An inbound event, stored before anything else happens to it."""

    __tablename__ = "inbox"
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=200)
    participant_key: str = Field(index=True, max_length=200)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    prompt: str | None = None
    choice: str | None = None
    interview_id: int | None = None
    attachments: int = 0
    study_id: str | None = None
    received_at: datetime = _ts()
    processed_at: datetime | None = _ts_null(index=True)
    attempts: int = (
        0  # tries after a failed first one; at bot.engine.dead_letters.MAX_ATTEMPTS it is set aside
    )
    retry_at: datetime | None = _ts_null()
    original_chars: int | None = None  # set when the text was cut to MAX_MESSAGE_CHARS: its full length
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # the last failure
    dead_at: datetime | None = _ts_null(
        index=True
    )  # set aside (a dead letter): see `interviewer db problems`


class OutboxRow(SQLModel, table=True):
    """An outbound message. The UNIQUE key makes queueing idempotent; status makes sending once."""

    __tablename__ = "outbox"
    # one person's messages in order: the dispatcher looks for earlier and later rows to the same person
    __table_args__ = (Index("ix_outbox_recipient", "platform", "workspace", "user_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    choices: list[list[str]] = _json([])
    prompt: str | None = None
    interview_id: int | None = Field(default=None, index=True)
    purpose: str = Field(default="reply", max_length=24)  # reply | notice | invitation | reminder ...
    # pending | sending | sent | failed | cancelled | superseded (the conversation moved on) | dead
    status: str = Field(default="pending", index=True, max_length=16)
    lease_until: datetime | None = _ts_null()  # a 'sending' row whose lease ran out was interrupted
    attempts: int = 0
    not_before: datetime = _ts()
    platform_message_id: str | None = None
    answered_label: str | None = None
    error: str | None = None
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts_null()


class Setting(SQLModel, table=True):
    """Instance-wide values the bot generates once (e.g. the pseudonym key when none is configured)."""

    __tablename__ = "instance_settings"
    name: str = Field(primary_key=True, max_length=64)
    value: str


# An invitation's status when a follow-up wave could not write a member's invitation: a row with no
# interview and no message, so that the wave goes on without them (see bot.outreach.set_aside)
UNWRITTEN = "unwritten"


class InvitationRow(SQLModel, table=True):
    """One member invited to one wave of a study: the scheduler's record for reminders and expiry."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("participant_id", "study_id", "wave"),)
    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participants.id", index=True)
    study_id: str = Field(index=True, max_length=64)
    wave: str = Field(default="main", max_length=64)  # "main" or a follow-up wave id
    interview_id: int | None = Field(default=None, index=True)
    source: str = Field(default="roster", max_length=16)  # channel | members | role | roster | wave
    cohort_group: str | None = Field(default=None, max_length=64)  # roster group, for the funnel
    # open | closed | opted_out (closed by an opt-out: `optin` opens it again) | failed (planning it kept
    # failing: set aside, see bot.outreach.set_aside) | unwritten (UNWRITTEN: never written, set aside)
    status: str = Field(default="open", index=True, max_length=16)
    reminders_sent: int = 0
    plan_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # in a row
    last_contact_at: datetime | None = _ts_null()  # when the latest invitation or reminder was due
    snoozed_until: datetime | None = _ts_null()
    created_at: datetime = _ts()


class WavePlanRow(SQLModel, table=True):
    """A follow-up wave whose planning failed: its failures in a row, and whether it is set aside. Waves
    live in study files; a wave has a row here only once a plan of it has failed."""

    __tablename__ = "wave_plans"
    __table_args__ = (UniqueConstraint("study_id", "wave"),)
    id: int | None = Field(default=None, primary_key=True)
    study_id: str = Field(max_length=64)
    wave: str = Field(max_length=64)
    # open | failed (planning it kept failing: set aside, see bot.outreach.set_aside)
    status: str = Field(default="open", max_length=16)
    plan_failures: int = 0  # in a row; a plan that succeeds sets it back to 0
    last_failed_at: datetime = _ts()


class ChannelPost(SQLModel, table=True):
    """A study invitation posted in a channel; the tick keeps its participant count current."""

    __tablename__ = "channel_posts"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", "study_id"),)
    id: int | None = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, max_length=64)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    message_id: str | None = Field(default=None, max_length=64)
    shown_count: int = 0
    created_at: datetime = _ts()


class CohortRequest(SQLModel, table=True):
    """A channel's or role's members to invite (`/interviewer invite <study> members:#channel`), kept while
    their profiles are read so that a restart resumes it (`bot.outreach.cohort_requests`)."""

    __tablename__ = "cohort_requests"
    id: int | None = Field(default=None, primary_key=True)
    study_id: str = Field(max_length=64)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)  # where the command ran (Slack team, Discord server)
    asker: str = Field(max_length=64)  # the user id of whoever ran it, in that workspace
    target: str = Field(sa_column=Column(Text, nullable=False))  # as typed: members:<#C1|team>, role:<@&4>
    member_ids: list[str] = _json([])
    profiles: dict[str, Any] = _json({})  # read so far: user id -> [time zone, is a person]
    # the workspace's member list (Slack users.list): the cursor of its next page, while it is being read
    list_cursor: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claim: str | None = Field(default=None, max_length=32)  # the run working on it, while its lease lasts
    lease_until: datetime | None = _ts_null()
    attempts: int = 0  # runs started; a run a stop interrupted gives its attempt back
    outcome: str | None = Field(default=None, max_length=16)  # invited | refused | failed | lapsed
    created_at: datetime = _ts()
    finished_at: datetime | None = _ts_null(index=True)
    dismissed_at: datetime | None = _ts_null()  # a request given up, no longer listed by `db problems`


class AuditEntry(SQLModel, table=True):
    """One researcher action on a study's data (an export, or a refused attempt), kept for oversight."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    study_id: str = Field(index=True, max_length=64)
    actor: str = Field(max_length=200)  # platform:user_id, or cli:<os user>
    action: str = Field(max_length=32)  # export | import | withdrawal | purge
    outcome: str = Field(max_length=16)  # ok | refused | failed | started
    detail: dict[str, Any] = _json({})
    created_at: datetime = _ts()


class ClaudeIncident(SQLModel, table=True):
    """A Claude request for an interview move that did not give a move: an outage, a permanent rejection,
    a refusal or an unusable reply. Counted per study in `/interviewer status`; no participant text."""

    __tablename__ = "claude_incidents"
    id: int | None = Field(default=None, primary_key=True)
    study_id: str = Field(max_length=64, index=True)
    interview_id: int = Field(index=True)
    move_token: int = 0
    kind: str = Field(max_length=16)  # outage | permanent | refusal | unusable
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    resolved: bool = False  # permanent: re-armed on the next start; outage: Claude answered again
    # an alert was due but the study has no researcher on the participant's platform (e.g. the console)
    unalerted: bool = False
    created_at: datetime = _ts()


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a model, for the prebuilt statements that skip the ORM. SQLModel sets
    `__table__` when it builds the class but does not declare it, so a type checker cannot see it."""
    table = inspect(model).local_table
    assert isinstance(table, Table), f"{model.__name__} is not a table model"
    return table
