"""Inviting from a platform: channel posts with a live count, channel or role members as a cohort.

`bot.commands.invite` reaches the platform through the `Directory` methods an adapter's sender may
implement; a platform without them gets a clear answer instead of a half-done invitation.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select, update

from bot.engine.engine import Engine
from bot.errors import DeliveryError
from bot.interview.conversation import Click, State
from bot.interview.locales import study_texts, texts_for
from bot.interview.texts import NOT_NOW
from bot.messages import Address, Outbound
from bot.outreach.wording import MAIN, buttons, invitation_text
from bot.storage.models import ChannelPost, Interview, InvitationRow, Participant
from bot.studies.study import Study

log = logging.getLogger(__name__)
_CHANNEL = re.compile(r"^<?#([A-Z0-9]+)(?:\|[^>]*)?>?$")
_ROLE = re.compile(r"^<?@&?([0-9]+)(?:\|[^>]*)?>?$")


@dataclass(frozen=True)
class Profile:
    """What a cohort needs to know about a member before inviting them."""

    timezone: str | None  # IANA zone from their profile, None when the platform has none
    person: bool = True  # False for bots, apps and deactivated accounts: never invited


@runtime_checkable
class Directory(Protocol):
    """What an adapter's sender offers for channel invitations and cohorts (Slack and Discord)."""

    async def profile(self, workspace: str, user_id: str) -> Profile: ...

    async def post_to_channel(self, workspace: str, channel: str, message: Outbound) -> str: ...

    async def update_in_channel(
        self, workspace: str, channel: str, message_id: str, message: Outbound
    ) -> None: ...


@runtime_checkable
class ChannelMembers(Protocol):
    """A platform that lists a channel's members (Slack)."""

    async def channel_members(self, workspace: str, channel: str) -> list[str]: ...


class ProfilePages(Protocol):
    """One workspace's profiles by user id, a page at a time; after a failed page (a rate limit),
    `next_page` asks for the same page again."""

    done: bool  # the last page has been read
    cursor: str | None  # where the next page starts (None: at the first, or after the last)

    async def next_page(self) -> dict[str, Profile]: ...


@runtime_checkable
class WorkspaceProfiles(Protocol):
    """A platform that lists every profile of a workspace in pages (Slack: users.list): many profiles a
    call, but the whole workspace's, where `Directory.profile` reads one member's."""

    profile_lookups_per_minute: int  # `Directory.profile` calls the platform allows a minute
    profile_pages_per_minute: int  # `ProfilePages.next_page` calls the platform allows a minute
    profiles_per_page: int  # at most, per page

    def profile_pages(self, workspace: str, cursor: str | None = None) -> ProfilePages:
        """The pages from the start, or from the page `cursor` (an earlier `ProfilePages.cursor`) names."""
        ...


@runtime_checkable
class RoleMembers(Protocol):
    """A platform that lists the members who have a role (Discord)."""

    async def role_members(self, workspace: str, role_id: str) -> list[str]: ...


def parse_target(text: str) -> tuple[str, str] | None:
    """'#C1' / '<#C1|general>' -> ('channel', 'C1'); 'members:#C1' -> ('members', 'C1');
    'role:<@&42>' -> ('role', '42')."""
    kind, _, rest = text.partition(":") if text.startswith(("members:", "role:")) else ("channel", "", text)
    match = (_ROLE if kind == "role" else _CHANNEL).match(rest.strip())
    return (kind, match[1]) if match else None


def _post_message(study: Study, channel: Address, count: int) -> Outbound:
    texts = texts_for(study.language)
    taken = f"\n\n_{texts.taken_part_one if count == 1 else texts.taken_part_many.format(count=count)}_"
    return Outbound(
        key=f"channel:{study.id}:{channel.user_id}",
        to=channel,
        text=invitation_text(study, MAIN) + taken,
        choices=buttons(study),
        prompt="start",
        purpose="notice",
    )


async def participant_count(engine: Engine, study_id: str) -> int:
    """People who took part: everyone whose interview in the study got past the invitation."""
    async with engine.store.session() as s:
        return int(
            (
                await s.exec(
                    select(func.count(func.distinct(Interview.participant_id))).where(
                        Interview.study_id == study_id,
                        Interview.state != State.INVITED.value,
                        col(Interview.pilot).is_(False),
                    )
                )
            ).one()
        )


async def post_in_channel(engine: Engine, directory: Directory, study: Study, channel: Address) -> bool:
    """Post the study's invitation, with its live participant count, in a channel; False when it is
    posted there already (its count stays current)."""
    async with engine.store.session() as s:
        existing = (
            await s.exec(
                select(ChannelPost).where(
                    ChannelPost.platform == channel.platform,
                    ChannelPost.workspace == channel.workspace,
                    ChannelPost.channel == channel.user_id,
                    ChannelPost.study_id == study.id,
                )
            )
        ).first()
    if existing is not None and existing.message_id:
        return False
    count = await participant_count(engine, study.id)
    message_id = await directory.post_to_channel(
        channel.workspace, channel.user_id, _post_message(study, channel, count)
    )
    try:
        async with engine.store.session() as s:
            s.add(
                ChannelPost(
                    study_id=study.id,
                    platform=channel.platform,
                    workspace=channel.workspace,
                    channel=channel.user_id,
                    message_id=message_id,
                    shown_count=count,
                )
            )
    except IntegrityError:
        pass  # posted twice at the same moment: the first row's post keeps its count
    return True


async def refresh_channel_posts(engine: Engine) -> int:
    """Edit each channel invitation whose participant count changed. Returns how many were updated."""
    async with engine.store.session() as s:
        posts = (await s.exec(select(ChannelPost).where(col(ChannelPost.message_id).is_not(None)))).all()
    updated = 0
    for post in posts:
        study = engine.catalog.get(post.study_id)
        directory = engine.dispatcher.senders.get(post.platform)
        if (
            study is None
            or directory is None
            or not isinstance(directory, Directory)
            or post.message_id is None
        ):
            continue
        count = await participant_count(engine, study.id)
        if count == post.shown_count:
            continue
        async with engine.store.session() as s:
            claimed = await s.exec(
                update(ChannelPost)
                .where(col(ChannelPost.id) == post.id, col(ChannelPost.shown_count) == post.shown_count)
                .values(shown_count=count)
            )
            if claimed.rowcount != 1:
                continue  # another worker is updating this post
        channel = Address(post.platform, post.workspace, post.channel)
        try:
            await directory.update_in_channel(
                post.workspace, post.channel, post.message_id, _post_message(study, channel, count)
            )
            updated += 1
        except DeliveryError as exc:  # the next change retries; a stale count only looks stale
            log.warning("could not update channel post %s: %s", post.id, exc)
    return updated


async def open_invitation(engine: Engine, who: Address, study_id: str) -> int | None:
    """The interview of `who`'s open, not yet answered invitation to the study, if there is one."""
    async with engine.store.session() as s:
        found = (
            await s.exec(
                select(Interview.id)
                .join(InvitationRow, col(InvitationRow.interview_id) == col(Interview.id))
                .join(Participant, col(Participant.id) == col(Interview.participant_id))
                .where(
                    Participant.platform == who.platform,
                    Participant.workspace == who.workspace,
                    Participant.user_id == who.user_id,
                    Interview.study_id == study_id,
                    Interview.state == State.INVITED.value,
                    InvitationRow.status == "open",
                )
                .order_by(col(Interview.id).desc())
            )
        ).first()
    return found


async def not_now_in_channel(engine: Engine, who: Address, study_id: str) -> str:
    """A channel post's "Not now", answered to the clicker only: it declines their open invitation to the
    study if they have one, and records nothing for anyone else."""
    study = engine.catalog.get(study_id)
    texts = study_texts(study)
    interview_id = await open_invitation(engine, who, study_id)
    if interview_id is None:
        return texts.not_now_in_channel
    await engine.apply_event(interview_id, Click("start", NOT_NOW + study_id))
    return texts.not_now_declined
