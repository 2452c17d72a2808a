"""A cohort's profiles (bot.outreach.profiles): one lookup per member for a small cohort, the workspace's
member list for a large one while it pays, and one by one for whatever the list did not bring."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import Permanent, RateLimited
from bot.messages import Outbound
from bot.outreach.cohorts import Profile
from bot.outreach.profiles import BULK_ABOVE, ListPlace, lookup_time, read_profiles

PERSON = Profile("Europe/Lisbon")


@dataclass
class Pages:
    """A member list read a page at a time; `refusals` are raised by the next calls, in order."""

    people: list[str]
    size: int
    refusals: list[Exception]
    calls: list[int] = field(default_factory=list)  # the page each call asked for
    at: int = 0
    done: bool = False
    cursor: str | None = None  # the next page's number, once a page was read

    async def next_page(self) -> dict[str, Profile]:
        self.calls.append(self.at)
        if self.refusals:
            raise self.refusals.pop(0)
        chunk = self.people[self.at * self.size : (self.at + 1) * self.size]
        self.at += 1
        self.done = self.at * self.size >= len(self.people)
        self.cursor = None if self.done else str(self.at)
        return {user: Profile(f"Zone/{user}", person=not user.startswith("UBOT")) for user in chunk}


class Workspace:
    """A platform directory with Slack's paces: 100 lookups a minute, 20 pages of `size` a minute."""

    profile_lookups_per_minute = 100
    profile_pages_per_minute = 20

    def __init__(self, people: list[str], size: int = 200, refusals: list[Exception] | None = None):
        self.profiles_per_page = size
        self.pages = Pages(people, size, refusals or [])
        self.looked_up: list[str] = []

    def profile_pages(self, workspace: str, cursor: str | None = None) -> Pages:
        self.pages.at, self.pages.cursor, self.pages.done = int(cursor or 0), cursor, False
        return self.pages

    async def profile(self, workspace: str, user_id: str) -> Profile:
        self.looked_up.append(user_id)
        return PERSON

    async def post_to_channel(self, workspace: str, channel: str, message: Outbound) -> str:
        raise AssertionError("reading profiles never posts in a channel")

    async def update_in_channel(
        self, workspace: str, channel: str, message_id: str, message: Outbound
    ) -> None:
        raise AssertionError("reading profiles never edits a channel message")


def people(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:05d}" for n in range(count)]


async def test_a_small_cohort_is_looked_up_member_by_member() -> None:
    cohort = people("UC", BULK_ABOVE)
    directory = Workspace(cohort + people("UX", 50))
    found = await read_profiles(directory, "T1", cohort)
    assert set(found) == set(cohort) and directory.looked_up == cohort
    assert directory.pages.calls == []


async def test_a_large_cohort_is_read_from_the_list_and_only_its_members_are_kept() -> None:
    """Bots are read as such; the member the list does not hold (a guest from another organization in a
    shared channel) is looked up by itself."""
    cohort = people("UC", 300) + ["UBOT1", "UGUEST"]
    listed = [user for pair in zip(people("UX", 301), cohort[:-1], strict=True) for user in pair]
    directory = Workspace(listed)
    found = await read_profiles(directory, "T1", cohort)
    assert set(found) == set(cohort)
    assert found["UC00007"] == Profile("Zone/UC00007") and not found["UBOT1"].person
    assert directory.looked_up == ["UGUEST"]
    assert directory.pages.calls == [0, 1, 2, 3]  # 602 people in pages of 200


async def test_the_list_stops_at_the_page_that_brings_the_last_member() -> None:
    cohort = people("UC", 250)
    directory = Workspace(cohort + people("UX", 4000))
    assert set(await read_profiles(directory, "T1", cohort)) == set(cohort)
    assert directory.pages.calls == [0, 1] and directory.looked_up == []


async def test_a_list_that_brings_too_few_members_a_page_gives_way_to_lookups_after_a_minute() -> None:
    """Fewer than 5 of the cohort a page (100 lookups a minute / 20 pages a minute): after the first 20
    pages the rest are looked up one by one, instead of reading a huge workspace to its end."""
    cohort = people("UC", 400)
    listed = people("UX", 200 * 500)
    for n, user in enumerate(cohort):
        listed[n * 250] = user  # one in 250 people: under one a page
    directory = Workspace(listed)
    found = await read_profiles(directory, "T1", cohort)
    assert set(found) == set(cohort)
    assert len(directory.pages.calls) == 20
    assert len(directory.looked_up) == 400 - 16  # the 16 in the first 20 pages were not looked up


async def test_a_rate_limited_page_is_asked_again_and_a_refused_list_falls_back_to_lookups() -> None:
    cohort = people("UC", 201)
    limited = Workspace(cohort, refusals=[RateLimited(0.01)])
    assert set(await read_profiles(limited, "T1", cohort)) == set(cohort)
    assert limited.pages.calls == [0, 0, 1] and limited.looked_up == []
    refused = Workspace(cohort, refusals=[Permanent("Slack: missing_scope")])
    assert set(await read_profiles(refused, "T1", cohort)) == set(cohort)
    assert refused.pages.calls == [0] and refused.looked_up == cohort


class Watched(Workspace):
    """Notes at each lookup how many profiles the caller's dict holds: what saving the progress keeps."""

    def __init__(self, people: list[str], kept: dict[str, Profile]):
        super().__init__(people)
        self.kept, self.seen = kept, list[int]()

    async def profile(self, workspace: str, user_id: str) -> Profile:
        self.seen.append(len(self.kept))
        return await super().profile(workspace, user_id)


async def test_a_resumed_cohort_reads_only_the_profiles_not_read_before_and_keeps_each_as_read() -> None:
    """A cohort of 300 whose first 150 were read before a restart: the 150 left are a small cohort,
    looked up one by one, and the caller's dict holds each profile as soon as it is read."""
    cohort = people("UC", 300)
    before = {user: PERSON for user in cohort[:150]}
    directory = Watched(cohort, before)
    found = await read_profiles(directory, "T1", cohort, before)
    assert found is before and set(found) == set(cohort)
    assert directory.looked_up == cohort[150:] and directory.pages.calls == []
    assert directory.seen == list(range(150, 300))


async def test_a_resumed_cohort_reads_the_member_list_on_from_the_page_it_was_left_at() -> None:
    """A run keeps the place after each page; a run given the profiles and the place an earlier one
    saved (two pages read) asks for page 2 first, not page 0 again, and looks nobody up by itself."""
    cohort = people("UC", 1000)
    directory = Workspace(cohort)
    place, found = ListPlace(), {user: PERSON for user in cohort[:400]}
    await read_profiles(directory, "T1", cohort, found, ListPlace("2"))
    assert directory.pages.calls == [2, 3, 4]
    assert set(found) == set(cohort) and directory.looked_up == []

    directory.pages.calls.clear()
    await read_profiles(directory, "T1", cohort[:700] + ["UC00000X"], {}, place)
    assert directory.pages.calls == [0, 1, 2, 3, 4] and place.cursor is None, "kept page by page"


async def test_a_saved_place_the_platform_refuses_reads_the_member_list_from_its_first_page() -> None:
    """Slack's users.list answers `invalid_cursor` for a cursor "not valid or ... no longer valid"."""
    cohort = people("UC", 400)
    directory = Workspace(cohort, refusals=[Permanent("Slack: invalid_cursor")])
    found = await read_profiles(directory, "T1", cohort, {}, ListPlace("1"))
    assert directory.pages.calls == [1, 0, 1], "refused, then from the start"
    assert set(found) == set(cohort) and directory.looked_up == []


def test_the_heads_up_gives_the_pace_of_the_path_taken_and_its_longest_time() -> None:
    directory = Workspace([])
    small_seconds, small = lookup_time(directory, 150) or (0.0, "")
    assert small_seconds == 90 and "about 2 minutes at the platform's pace of 100 a minute" in small
    large_seconds, large = lookup_time(directory, 3000) or (0.0, "")
    assert "member list" in large and "20 pages of 200 a minute" in large, large
    assert "a minute for every 4,000 people in the workspace" in large, large
    assert "at most about 31 minutes" in large and large_seconds == 31 * 60, large
    assert lookup_time(object(), 3000) is None  # a platform that does not say its pace
