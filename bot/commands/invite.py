"""`/interviewer invite <study> <target>`: post an invitation in a channel, or invite a channel's or a
role's members as a cohort (organizers and researchers of the study)."""

from __future__ import annotations

import contextlib
import logging

from bot.commands.access import Actor, UsageError, study_access
from bot.engine.engine import Engine
from bot.errors import DeliveryError
from bot.messages import Address
from bot.outreach.cohort_requests import MAX_AGE_HOURS, finish, record
from bot.outreach.cohort_run import run_request
from bot.outreach.cohorts import (
    ChannelMembers,
    Directory,
    RoleMembers,
    parse_target,
    post_in_channel,
)
from bot.outreach.invitations import NotInvitable, ensure_invitable
from bot.outreach.profiles import lookup_time
from bot.studies.study import Study

log = logging.getLogger(__name__)
HEADS_UP_AFTER = 60.0  # seconds of profile lookups, at the platform's pace, before the asker is told
TAKEN_OVER = (
    "This invitation was held up here and another of the bot's processes took it over; its answer "
    "follows as a direct message."
)


async def invite_command(engine: Engine, actor: Actor, args: list[str]) -> str:
    confirmed = len(args) == 3 and args[2].lower() == "confirm"
    if len(args) != 2 and not confirmed:
        raise UsageError()
    study = study_access(engine, actor, args[0]).study
    target = parse_target(args[1])
    if target is None:
        raise UsageError(
            f"I could not read {args[1]!r} as a channel or role. Pick the channel from the list as you type "
            "`#` (or the role after `@`)."
        )
    platform = actor.address.platform
    directory = engine.dispatcher.senders.get(platform)
    if directory is None or not isinstance(directory, Directory):
        return f"Inviting from {platform} channels is not supported here; use `interviewer invite --roster`."
    try:
        await ensure_invitable(engine, study)
    except NotInvitable as exc:
        return f"Not sent: {exc}."
    kind, ident = target
    if kind == "members" and not isinstance(directory, ChannelMembers):
        return f"{platform} does not list a channel's members to bots; invite a role instead: `role:@Role`."
    if kind == "role" and not isinstance(directory, RoleMembers):
        return f"{platform} has no roles to invite; invite a channel's members instead: `members:#channel`."
    workspace = actor.address.workspace
    try:
        if kind == "channel":
            return await _post(engine, directory, study, Address(platform, workspace, ident))
        member_ids = await _member_ids(directory, kind, workspace, ident)
    except DeliveryError as exc:
        return _not_listed(kind, ident, exc, platform)
    limit = engine.settings.cohort_confirm_above
    if len(member_ids) > limit and not confirmed:
        return _confirm_first(study.id, args[1], len(member_ids), limit, directory)
    request, claim = await record(engine, study.id, actor.address, args[1], member_ids)
    await _heads_up(directory, actor, len(member_ids))
    try:
        report = await run_request(engine, directory, study, request, claim)
    except Exception:
        with contextlib.suppress(Exception):  # the command fails and says so: nothing is left to resume
            await finish(engine, claim, "failed")
        raise
    return report if report is not None else TAKEN_OVER


async def _post(engine: Engine, directory: Directory, study: Study, channel: Address) -> str:
    if not await post_in_channel(engine, directory, study, channel):
        return f"The invitation to `{study.id}` is already posted in <#{channel.user_id}>; its count stays current."
    return f"Posted the invitation to `{study.id}` in <#{channel.user_id}>; its participant count updates itself."


async def _member_ids(directory: Directory, kind: str, workspace: str, ident: str) -> list[str]:
    if kind == "role" and isinstance(directory, RoleMembers):
        return await directory.role_members(workspace, ident)
    if isinstance(directory, ChannelMembers):
        return await directory.channel_members(workspace, ident)
    return []


def _not_listed(kind: str, ident: str, exc: DeliveryError, platform: str) -> str:
    if kind == "role":
        return f"I could not list the members of role <@&{ident}>: {exc}"
    hint = "; is the bot a member of it? Invite it and retry"
    if platform == "discord":  # 50001 Missing Access, 50013 Missing Permissions: a channel's overrides
        hint = (
            "; the bot needs View Channel and Send Messages there: allow them for its role in the "
            "channel's Permissions settings and retry"
        )
    elif "scope" in str(exc):
        hint = ""
    elif "archived" in str(exc):  # nobody can add the bot to an archived channel, nor post there
        hint = "; it is archived: unarchive it, or pick a channel in use"
    doing = "post in" if kind == "channel" else "list the members of"
    return f"I could not {doing} <#{ident}> ({exc}){hint}."


async def _heads_up(directory: Directory, actor: Actor, count: int) -> None:
    """Before profile lookups that may take long (Slack: one users.info call per member, or the
    workspace's member list for a large cohort), say how long, that the answer follows (by DM once the
    command's own answer has expired), and that a restart meanwhile resumes the lookups
    (`bot.outreach.cohort_requests`)."""
    estimate = lookup_time(directory, count)
    if estimate is None or actor.later is None:
        return
    seconds, how_long = estimate
    if seconds < HEADS_UP_AFTER:
        return
    text = (
        f"{how_long} The answer follows here, or as a direct message if it takes longer than this answer "
        "can wait. If the bot is restarted meanwhile, it carries on where it stopped once it is back "
        f"(within {MAX_AGE_HOURS} hours) and sends the answer as a direct message; nobody is invited twice."
    )
    try:
        await actor.later(text)
    except Exception as exc:  # only a heads-up: the lookups go on
        log.info("could not tell the asker about a long cohort lookup (%s)", type(exc).__name__)


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
