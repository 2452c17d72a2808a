"""A channel's members being looked up when `interviewer run --slack --http` is stopped: the next start
resumes the lookups where they stopped, invites the channel, and tells the organizer by DM, once."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.test_slack import slack_service
from tests.e2e.test_slack_cohorts import invited_members
from tests.e2e.test_slack_stopping import ALWAYS
from tests.support.fakes.slack_api import BOT_USER, dm_channel

# users.info is Tier 4, 100+ calls a minute (https://docs.slack.dev/reference/methods/users.info); scaled
# down here to LOOKUPS a second, so the channel's lookups take about 15 seconds
LOOKUPS = 8


def invitation_rows(tmp_path: Path) -> tuple[int, int]:
    """How many invitation rows, and how many invitation DMs queued, the bot wrote in all."""
    with sqlite3.connect(f"file:{tmp_path / 'bot.db'}?mode=ro", uri=True) as db:
        (rows,) = db.execute("SELECT count(*) FROM invitations").fetchone()
        (dms,) = db.execute("SELECT count(*) FROM outbox WHERE purpose = 'invitation'").fetchone()
    return rows, dms


def cohort_requests(tmp_path: Path) -> list[tuple[str | None, str | None, str | None, int]]:
    """(finished_at, outcome, claim, how many profiles it keeps) of each cohort request recorded."""
    with sqlite3.connect(f"file:{tmp_path / 'bot.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT finished_at, outcome, claim, profiles FROM cohort_requests ORDER BY id"
        ).fetchall()
    return [(finished, outcome, claim, len(json.loads(saved))) for finished, outcome, claim, saved in rows]


@pytest.mark.long
async def test_a_stop_during_a_cohort_lookup_is_resumed_at_the_next_start_and_reported_once(
    tmp_path: Path,
) -> None:
    """Ctrl-C while 124 members' profiles are read one by one: the bot stops at once, without inviting
    anyone yet. At the next start it reads the profiles it had not read (none twice), invites every
    person of the channel once (not its bots, the deactivated account or itself), and the organizer gets
    the command's report as a DM saying it was finished after the restart; the command's own answer
    (its response_url) gets nothing more. A further restart resumes nothing."""
    people = [f"UP{n:03d}" for n in range(120)]
    bots, gone = ["UB1", "UB2"], ["UD1"]
    async with slack_service(tmp_path, ALWAYS) as service:
        fake, bot = service.fake, service.bot
        fake.limit_per_minute("users.info", LOOKUPS, window=1)
        for user in bots:
            fake.add_user(user, is_bot=True)
        fake.add_user("UD1", deleted=True)
        fake.add_channel("CBIG", "everyone", [*people, *bots, *gone, BOT_USER])
        organizer = service.person("UORGANIZER")

        def looked_up() -> list[str]:
            return [c.args["user"] for c in fake.calls_to("users.info") if c.status == 200 and not c.error]

        heads_up = await organizer.command("invite pilot-study members:#everyone", "go", typed=True)
        assert "Looking up the profiles of 124 members" in heads_up, heads_up
        assert "carries on where it stopped once it is back" in heads_up, heads_up
        assert "run the same command again" not in heads_up, heads_up
        await fake.wait_until(lambda: len(looked_up()) >= 40, 30)
        stopping = time.monotonic()
        assert await bot.stop(how=signal.SIGINT) == 130
        assert time.monotonic() - stopping < 10, "the stop waited for the lookups"
        before = len(looked_up())
        assert before < 100, "the lookups were over before the stop"
        [(finished, outcome, claim, kept)] = cohort_requests(tmp_path)
        assert (finished, outcome, claim) == (None, None, None), "given back for the next start"
        assert kept >= 40, "the profiles read so far were kept"
        assert invited_members(tmp_path) == {}

        def reports() -> list[str]:
            return [str(p.get("text")) for p in fake.posted if p["channel"] == dm_channel("UORGANIZER")]

        await service.start()
        await fake.wait_until(lambda: bool(reports()), 60)
        [report] = reports()
        assert report.startswith(
            "Your invitation of the members of #everyone to `pilot-study` was interrupted when the bot "
            "restarted, and is now finished: 120 invitation(s) for `pilot-study` scheduled"
        ), report
        assert "could not be looked up" not in report, report
        assert set(invited_members(tmp_path)) == set(people)
        assert invitation_rows(tmp_path) == (len(people), len(people)), "each person invited once"
        calls = Counter(looked_up())
        assert set(calls) == {*people, *bots, *gone, BOT_USER}, "every member of the channel looked up"
        assert sum(calls.values()) - len(calls) <= 1, "only a lookup cut off by the stop is made again"
        assert len(fake.responses["go"]) == 1, "the command's own answer got nothing more"
        [(finished, outcome, claim, _)] = cohort_requests(tmp_path)
        assert finished is not None and outcome == "invited" and claim is None

        await service.restart()
        lookups = len(looked_up())
        await asyncio.sleep(4)  # ticks every second: time enough for a second resume
        assert len(looked_up()) == lookups
        assert reports() == [report]
        assert invitation_rows(tmp_path) == (len(people), len(people))
        for member in people[:3]:
            assert member not in bot.log, "member ids are logged at debug level only"


async def test_a_stop_while_the_member_list_is_read_resumes_it_from_the_page_it_stopped_at(
    tmp_path: Path,
) -> None:
    """A cohort of 250 in a workspace of 2,000 is read from users.list, here about a page a second.
    Ctrl-C after a few pages: at the next start the list is read on from the cursor saved with the
    request, not from its first page again, no page read before the stop is asked for again (only one
    the stop cut off), nobody is looked up one by one, and everyone is invited once."""
    cohort = [f"UC{n:04d}" for n in range(250)]
    others = [f"UO{n:04d}" for n in range(1750)]
    async with slack_service(tmp_path, ALWAYS) as service:
        fake, bot = service.fake, service.bot
        fake.limit_per_minute("users.list", 1, window=1)
        for user in [*others, *cohort]:  # users.list pages come in this order: the cohort's last
            fake.member(user)
        fake.add_channel("CBIG", "everyone", [*cohort, BOT_USER])
        organizer = service.person("UORGANIZER")

        def pages() -> list[str]:
            """The cursor of each users.list page Slack answered ("" for the first page)."""
            return [
                str(c.args.get("cursor") or "")
                for c in fake.calls_to("users.list")
                if c.status == 200 and not c.error
            ]

        await organizer.command("invite pilot-study members:#everyone confirm", "go", typed=True)
        await fake.wait_until(lambda: len(pages()) >= 3, 60)
        assert await bot.stop(how=signal.SIGINT) == 130
        before = pages()
        assert 3 <= len(before) < 10, before
        assert invited_members(tmp_path) == {}

        await service.start()
        await fake.wait_until(lambda: len(invitation_rows_safe(tmp_path)) > 0 and len(pages()) >= 10, 90)
        after = pages()[len(before) :]
        assert after[0] != "", "resumed from the saved cursor, not from the first page"
        assert pages().count("") == 1, "the first page was read once"
        assert len(pages()) - len(set(pages())) <= 1, "only a page the stop cut off is read again"
        await fake.wait_until(lambda: set(invited_members(tmp_path)) == set(cohort), 30)
        assert fake.calls_to("users.info") == [] or all(
            c.args.get("user") in {BOT_USER, "UORGANIZER"} for c in fake.calls_to("users.info")
        ), "nobody of the cohort looked up one by one"
        assert invitation_rows(tmp_path) == (len(cohort), len(cohort))


def invitation_rows_safe(tmp_path: Path) -> list[int]:
    """The invitation rows' ids, or none while the database is not there yet."""
    try:
        with sqlite3.connect(f"file:{tmp_path / 'bot.db'}?mode=ro", uri=True) as db:
            return [row[0] for row in db.execute("SELECT id FROM invitations")]
    except sqlite3.Error:
        return []
