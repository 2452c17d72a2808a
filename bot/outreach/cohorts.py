"""Inviting from a platform: channel posts with a live count, channel or role members as a cohort.

Commands reach the platform through the `Directory` methods an adapter's sender may implement; a
platform without them gets a clear answer instead of a half-done invitation.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select, update

from bot.errors import DeliveryError
from bot.interview import transitions as sm
from bot.messages import Address, Outbound
from bot.outreach.invitations import (
    MAIN,
    Member,
    NotInvitable,
    buttons,
    ensure_invitable,
    invitation_text,
    invite,
    open_invitation,
)
from bot.outreach.timing import zone
from bot.storage.models import ChannelPost, Interview, Participant
from bot.studies.study import Study

if TYPE_CHECKING:
    from bot.commands.registry import Actor
    from bot.engine.engine import Engine

log = logging.getLogger(__name__)
_CHANNEL = re.compile(r"^<?#([A-Z0-9]+)(?:\|[^>]*)?>?$")
_ROLE = re.compile(r"^<?@&?([0-9]+)(?:\|[^>]*)?>?$")
INVITE_USAGE = "/interviewer invite <study> #channel | members:#channel | role:@Role [confirm]"


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
    taken = f"\n\n_{count} {'person has' if count == 1 else 'people have'} taken part so far._"
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
                        Interview.state != sm.State.INVITED.value,
                        col(Interview.pilot).is_(False),
                    )
                )
            ).one()
        )


async def invite_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    """`/interviewer invite <study> <target>`: organizers and researchers of the study only."""
    from bot.commands.registry import REFUSAL, role_in

    confirmed = len(args) == 3 and args[2].lower() == "confirm"
    if len(args) != 2 and not confirmed:
        return f"Usage: `{INVITE_USAGE}`"
    study = engine.catalog.get(args[0])
    if study is None:
        known = ", ".join(f"`{i}`" for i in engine.catalog.ids()) or "none"
        return f"There is no study `{args[0]}`. Known studies: {known}."
    if role_in(engine, study, actor) is None:
        return REFUSAL.format(who=actor.access_id)
    target = parse_target(args[1])
    if target is None:
        return (
            f"I could not read {args[1]!r} as a channel or role. Pick the channel from the list as you type "
            f"`#` (or the role after `@`). Usage: `{INVITE_USAGE}`"
        )
    platform, workspace = actor.address.platform, actor.address.workspace
    directory = engine.dispatcher.senders.get(platform)
    if not isinstance(directory, Directory):
        return f"Inviting from {platform} channels is not supported here; use `interviewer invite --roster`."
    kind, ident = target
    try:
        await ensure_invitable(engine, study)
    except NotInvitable as exc:
        return f"Not sent: {exc}."
    if kind == "members" and not isinstance(directory, ChannelMembers):
        return f"{platform} does not list a channel's members to bots; invite a role instead: `role:@Role`."
    if kind == "role" and not isinstance(directory, RoleMembers):
        return f"{platform} has no roles to invite; invite a channel's members instead: `members:#channel`."
    try:
        if kind == "channel":
            return await _post_in_channel(engine, directory, study, Address(platform, workspace, ident))
        member_ids: list[str] = []
        if kind == "role" and isinstance(directory, RoleMembers):
            member_ids = await directory.role_members(workspace, ident)
        elif isinstance(directory, ChannelMembers):
            member_ids = await directory.channel_members(workspace, ident)
    except DeliveryError as exc:
        if kind == "role":
            return f"I could not list the members of role <@&{ident}>: {exc}"
        hint = "" if "scope" in str(exc) else "; is the bot a member of it? Invite it and retry"
        doing = "post in" if kind == "channel" else "list the members of"
        return f"I could not {doing} <#{ident}> ({exc}){hint}."
    limit = engine.settings.cohort_confirm_above
    if len(member_ids) > limit and not confirmed:
        return _confirm_first(study.id, args[1], len(member_ids), limit, directory)
    # Discord addresses a member by user id alone, whichever server the command came from
    members_in = getattr(directory, "participant_workspace", None) or workspace
    members = []
    for user_id in member_ids:
        try:
            profile = await directory.profile(workspace, user_id)
        except DeliveryError:
            profile = Profile(None)
        if profile.person:
            members.append(Member(Address(platform, members_in, user_id), profile.timezone))
    try:
        report = await invite(engine, study, members, source="members")
    except NotInvitable as exc:
        return f"Not sent: {exc}."
    return report.text(study.id)


def _confirm_first(study_id: str, target: str, count: int, limit: int, directory: object) -> str:
    """A cohort above the limit: say how many DMs and how long they take, and how to go ahead."""
    per_second = float(getattr(directory, "bulk_per_second", 1.0))
    minutes = max(1, round(count / per_second / 60))
    return (
        f"{target} has {count:,} members, more than {limit:,}. Inviting them sends each a direct message, "
        f"paced at about {per_second * 60:.0f} a minute (about {minutes} minutes, within each member's "
        "sending hours). Slack and Discord treat unsolicited DMs as spam: invite only people who expect "
        f"to hear from this study. To go ahead: `/interviewer invite {study_id} {target} confirm`"
    )


async def _post_in_channel(engine: Engine, directory: Directory, study: Study, channel: Address) -> str:
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
        return f"The invitation to `{study.id}` is already posted in <#{channel.user_id}>; its count stays current."
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
    return f"Posted the invitation to `{study.id}` in <#{channel.user_id}>; its participant count updates itself."


async def refresh_channel_posts(engine: Engine) -> int:
    """Edit each channel invitation whose participant count changed. Returns how many were updated."""
    async with engine.store.session() as s:
        posts = (await s.exec(select(ChannelPost).where(col(ChannelPost.message_id).is_not(None)))).all()
    updated = 0
    for post in posts:
        study = engine.catalog.get(post.study_id)
        directory = engine.dispatcher.senders.get(post.platform)
        if study is None or not isinstance(directory, Directory) or post.message_id is None:
            continue
        count = await participant_count(engine, study.id)
        if count == post.shown_count:
            continue
        async with engine.store.session() as s:
            claimed = await s.exec(  # type: ignore[call-overload]
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


NOT_NOW_IN_CHANNEL = (
    "No problem, nothing was recorded. If you would like to take part later, click the button on this "
    "post again or send me a direct message."
)
NOT_NOW_DECLINED = (
    "No problem: you will not be reminded about this invitation. If you would like to take part later, "
    "click the button on this post again or type `start` in your direct messages with me."
)


async def not_now_in_channel(engine: Engine, who: Address, study_id: str) -> str:
    """A channel post's "Not now", answered to the clicker only: it declines their open invitation to the
    study if they have one, and records nothing for anyone else."""
    interview_id = await open_invitation(engine, who, study_id)
    if interview_id is None:
        return NOT_NOW_IN_CHANNEL
    await engine.apply_event(interview_id, sm.Click("start", sm.NOT_NOW + study_id))
    return NOT_NOW_DECLINED


async def timezone_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    """`/interviewer timezone Europe/Berlin`: the zone invitations and reminders use for the actor."""
    if len(args) != 1:
        return "Usage: `/interviewer timezone <Area/City>`, e.g. `/interviewer timezone Europe/Berlin`."
    if zone(args[0], "Invalid/Zone").key != args[0]:
        return (
            f"{args[0]!r} is not an IANA time zone. Write it as Area/City, e.g. "
            "`/interviewer timezone Europe/Berlin` or `America/New_York`."
        )
    who = actor.address
    async with engine.store.session() as s:
        found = (
            await s.exec(
                select(Participant).where(
                    Participant.platform == who.platform,
                    Participant.workspace == who.workspace,
                    Participant.user_id == who.user_id,
                )
            )
        ).first()
        participant = found or Participant(
            platform=who.platform, workspace=who.workspace, user_id=who.user_id
        )
        participant.timezone = args[0]
        s.add(participant)
    return f"Your time zone is now {args[0]}; invitations and reminders will arrive in its daytime."
