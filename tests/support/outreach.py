"""Outreach under an injected clock: a study with invitations and a send window, a recording sender,
and a runtime wired to both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, delete, select, update

from bot.engine.outbox import queue
from bot.messages import ANSWERED, Address, Outbound
from bot.outreach.invitations import Member, invitation_key
from bot.runtime import Runtime
from bot.storage.models import InvitationRow, OutboxRow, Participant
from tests.support.helpers import settings_for, start_runtime, write_study

STUDY = "sched-study"  # the study sched_study_dir writes


class Clock:
    """A clock the test moves by hand: pass it where the code takes `clock`, then `advance(days=2)`."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


class FakeSender:
    """Records what the dispatcher sends (the `Sender` protocol)."""

    def __init__(self, log: list[Outbound] | None = None):
        self.sent: list[Outbound] = [] if log is None else log
        self.deleted: list[tuple[str, str]] = []  # (user id, message id) of each message deleted

    async def send(self, message: Outbound) -> str:
        self.sent.append(message)
        return f"m{len(self.sent)}"

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        return None

    async def delete(self, to: Address, message_id: str) -> None:
        self.deleted.append((to.user_id, message_id))

    def to(self, user: str) -> list[Outbound]:
        return [m for m in self.sent if m.to.user_id == user]


def sched_study_dir(tmp_path: Path, **overrides: Any) -> Path:
    """A folder holding the small study with invitations, reminders, expiry and a daily send window."""
    directory = tmp_path / "studies"
    directory.mkdir(exist_ok=True)
    values: dict[str, Any] = {
        "id": STUDY,
        "invitation": {
            "text": "Tell us how you use tools at work: a ten minute chat.",
            "max_reminders": 2,
            "reminder_after": "2d",
            "expire_after": "3d",
        },
        "schedule": {
            "timezone": "UTC",
            "send_window": "09:00-18:00",
            "quiet_hours": "21:00-08:00",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        },
    }
    values.update(overrides)
    write_study(directory, **values)
    return directory


WAVE = "later"  # the follow-up wave wave_study_dir adds


def wave_study_dir(tmp_path: Path) -> Path:
    """The scheduling study with a follow-up wave 90 days after completion, sent at any time."""
    wave = {
        "id": WAVE,
        "after": "90d",
        "intro": "Three months on: has anything changed in how you use tools?",
        "topics": [{"id": "change", "goal": "Change", "question": "What has changed since we spoke?"}],
    }
    return sched_study_dir(
        tmp_path,
        schedule={
            "timezone": "UTC",
            "send_window": "00:00-00:00",
            "quiet_hours": "00:00-00:00",
            "waves": [wave],
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        },
    )


@asynccontextmanager
async def runtime_for(
    url: str, studies: Path, clock: Clock, sender: FakeSender, **kw: Any
) -> AsyncIterator[Runtime]:
    """A runtime on `clock` whose Slack messages go to `sender`; closed when the block ends."""
    settings = settings_for(url, studies, default_study=STUDY)
    paths = [studies / f"{STUDY}.yaml"]
    async with start_runtime(settings, study_paths=paths, clock=clock, **kw) as runtime:
        runtime.engine.register_sender("slack", sender)
        yield runtime


def member(user: str, tz: str | None = None) -> Member:
    """A Slack member of workspace T1, in time zone `tz` when known."""
    return Member(Address("slack", "T1", user), tz)


# ---- ways a follow-up wave's planning fails, as data restored from a backup or mended by hand might ----

LEFT_OVER = "a wave invitation left over from an earlier run"  # the text of the row in the way


async def participant_id(runtime: Runtime, user: str) -> int:
    async with runtime.store.session() as s:
        found = await s.exec(select(Participant.id).where(Participant.user_id == user))
        return found.one() or 0


async def leave_a_stale_wave_invitation(runtime: Runtime, user: str) -> None:
    """An outbox row holding the key of `user`'s invitation to the wave: writing that one invitation
    breaks the table's UNIQUE constraint."""
    key = invitation_key(STUDY, WAVE, await participant_id(runtime, user), "invitation", 0)
    async with runtime.store.session() as s:
        queue(s, key, Address("slack", "T1", user), LEFT_OVER, purpose="invitation").status = "cancelled"


async def remove_stale_wave_invitations(runtime: Runtime) -> None:
    async with runtime.store.session() as s:
        await s.exec(delete(OutboxRow).where(col(OutboxRow.text) == LEFT_OVER))


async def leave_an_unreadable_member(runtime: Runtime, user: str) -> None:
    """A participant row whose `created_at` the database driver cannot read back (text in SQLite, a time
    past the year 9999 in PostgreSQL): the wave's query, which reads the members due, fails as a whole.
    The member's main invitation is closed first, as the tick after their interview ended closes it, so
    that only the wave reads the row."""
    unreadable = "'infinity'" if runtime.store.is_postgres else "'not a time'"
    async with runtime.store.session() as s:
        await s.exec(update(InvitationRow).values(status="closed"))
        conn = await s.connection()
        await conn.execute(
            sa.text(f"UPDATE participants SET created_at = {unreadable} WHERE user_id = :user"),
            {"user": user},
        )


async def mend_unreadable_members(runtime: Runtime, now: datetime) -> None:
    async with runtime.store.session() as s:
        await s.exec(update(Participant).values(created_at=now))
