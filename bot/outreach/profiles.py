"""A cohort's profiles, read before it is invited: one lookup per member for a small cohort, the
workspace's member list, page by page, for a large one.

On Slack one users.info call reads one profile, about 100 calls a minute; one users.list call reads a
page of 200, about 20 pages a minute, so about 4,000 people a minute, but every person of the workspace,
not only the cohort's. One by one, a cohort of n takes n/100 minutes; the list, w/4,000 in a workspace
of w people: the list is quicker while the workspace has fewer than 40 people per cohort member. It is
read for cohorts above BULK_ABOVE members, and only while it pays: after a minute's pages, it goes on
while its pages have brought on average at least as many of the cohort as one-by-one lookups find in
the time a page takes (100 / 20 = 5 a page). So a huge workspace costs at most about a minute more than
one-by-one lookups. Members the list did not bring (it was stopped, or does not hold them, as people
of another organization in a shared channel) are then looked up one by one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from bot.errors import DeliveryError, MissingPermission, RateLimited
from bot.outreach.cohorts import Directory, Profile, WorkspaceProfiles
from bot.patience import patiently

log = logging.getLogger(__name__)
# Members. One by one they take two minutes; the list of a workspace of up to 8,000 people is quicker.
# It is also where a cohort must be confirmed first (COHORT_CONFIRM_ABOVE's default).
BULK_ABOVE = 200
LOOKUP_TRIES = 4  # calls for one profile, or one page of the list, before doing without it this time
LOOKUP_WAIT_CAP = 60.0  # seconds: the longest Retry-After waited out at a time


@dataclass
class ListPlace:
    """Where the reading of the workspace's member list stands: its next page's cursor (None before the
    first page and after the last), saved with a cohort request so that a resumed one reads on from there
    instead of from the first page again."""

    cursor: str | None = None


def member_list(directory: Directory, count: int) -> WorkspaceProfiles | None:
    """The directory, when a cohort of `count` members has its profiles read from the workspace's list."""
    return directory if count > BULK_ABOVE and isinstance(directory, WorkspaceProfiles) else None


async def read_profiles(
    directory: Directory,
    workspace: str,
    member_ids: list[str],
    found: dict[str, Profile] | None = None,
    place: ListPlace | None = None,
) -> dict[str, Profile]:
    """The profiles that can be read now, by member id, waiting out rate limits (Retry-After, at most
    LOOKUP_WAIT_CAP seconds a time) and brief outages. A member left out is not known to be a person, and
    is not invited this time. `found` holds profiles read before (a resumed cohort's) and gets each new
    one as soon as it is read, and `place` the member list's place after each page, so that the caller
    can save the progress meanwhile. MissingPermission (the app may not read profiles at all) is raised
    at the first refusal."""
    found = {} if found is None else found
    missing = [user_id for user_id in dict.fromkeys(member_ids) if user_id not in found]
    listing = member_list(directory, len(missing))
    if listing is not None:
        await _from_list(listing, workspace, set(missing), found, place or ListPlace())
    for user_id in missing:
        if user_id not in found and (profile := await _one(directory, workspace, user_id)) is not None:
            found[user_id] = profile
    return found


async def _from_list(
    listing: WorkspaceProfiles,
    workspace: str,
    wanted: set[str],
    found: dict[str, Profile],
    place: ListPlace,
) -> None:
    """Into `found`: the profiles of `wanted` members the workspace's list brings while it is worth
    reading on, from `place` on (kept up to date)."""
    pages = listing.profile_pages(workspace, place.cursor)
    resumed = place.cursor is not None
    worth = listing.profile_lookups_per_minute / listing.profile_pages_per_minute  # members a page
    brought = read = 0
    while not pages.done and brought < len(wanted):
        try:
            page = await patiently(pages.next_page, tries=LOOKUP_TRIES, wait_cap=LOOKUP_WAIT_CAP)
        except MissingPermission:  # no member can be read until it is granted: the caller says so
            raise
        except DeliveryError as exc:
            if resumed and not read and not isinstance(exc, RateLimited):
                # Slack says of no cursor how long it stays valid ("invalid_cursor: ... or is no longer
                # valid"): a saved one it refuses means the list is read from its first page again
                log.info("the member list's saved place was refused (%s): reading it from the start", exc)
                resumed, pages = False, listing.profile_pages(workspace)
                continue
            log.warning("stopped reading the member list after %d page(s): %s", read, exc)  # the rest 1 by 1
            break
        read += 1
        place.cursor = pages.cursor
        for user_id, profile in page.items():
            if user_id in wanted and user_id not in found:
                found[user_id] = profile
                brought += 1
        if read >= listing.profile_pages_per_minute and brought < worth * read:
            log.info(
                "member list: %d of %d found in %d pages; the rest one by one", brought, len(wanted), read
            )
            break


async def _one(directory: Directory, workspace: str, user_id: str) -> Profile | None:
    try:
        return await patiently(
            lambda: directory.profile(workspace, user_id), tries=LOOKUP_TRIES, wait_cap=LOOKUP_WAIT_CAP
        )
    except MissingPermission:
        raise
    except DeliveryError:  # still limited, or the member is gone: not someone to invite now
        return None


def lookup_time(directory: Directory, count: int) -> tuple[float, str] | None:
    """How long reading `count` members' profiles may take at the platform's pace, at most, in seconds,
    and the sentence that says so; None for a platform that does not say its pace."""
    per_minute = getattr(directory, "profile_lookups_per_minute", None)
    if not per_minute:
        return None
    one_by_one = math.ceil(count / per_minute)
    listing = member_list(directory, count)
    if listing is None:
        return count / per_minute * 60, (
            f"Looking up the profiles of {count:,} members before inviting them: about {one_by_one} "
            f"minutes at the platform's pace of {per_minute} a minute."
        )
    a_minute = listing.profile_pages_per_minute * listing.profiles_per_page
    return (one_by_one + 1) * 60.0, (
        f"Looking up the profiles of {count:,} members in the workspace's member list before inviting "
        f"them: at the platform's pace of {listing.profile_pages_per_minute} pages of "
        f"{listing.profiles_per_page} a minute, about a minute for every {a_minute:,} people in the "
        f"workspace, and at most about {one_by_one + 1} minutes (members the list has not brought by "
        f"then are looked up one by one, {per_minute} a minute)."
    )
