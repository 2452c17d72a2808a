"""Cohort invitations the bot gave up (not resumed within a day, or failing at each run) are listed by
`interviewer db problems`, with what to do (run the invite command again), and flagged by `interviewer
doctor`; `--retry` does not take them (their member list is gone, and would be stale), the command run
again or `--dismiss cohort:ID` takes them off the list."""

from __future__ import annotations

import re
from pathlib import Path

from bot.outreach.cohort_requests import MAX_AGE, MAX_ATTEMPTS, claim_due, record
from tests.commands.test_cohort_resume import ORGANIZER, PEOPLE, TARGET, outcomes, slack_bot
from tests.support.cli import run
from tests.support.outreach import STUDY

OTHER_TARGET = "members:<#COTHER|other>"
SET_ASIDE_OUTREACH = "PROBLEM set-aside outreach: "


async def _two_given_up(tmp_path: Path, database_url: str) -> None:
    """A request of #team that lapsed (the bot was away for a day), and one of #other whose runs kept
    dying; both closed by the resume step, as the bot does."""
    async with slack_bot(tmp_path, database_url) as bot:
        engine = bot.runtime.engine
        await record(engine, STUDY, ORGANIZER, TARGET, PEOPLE)
        bot.clock.advance(seconds=MAX_AGE.total_seconds() + 60)
        assert await bot.tick() == 1
        await record(engine, STUDY, ORGANIZER, OTHER_TARGET, PEOPLE)
        for _ in range(MAX_ATTEMPTS - 1):
            bot.past_lease()
            assert len(await claim_due(engine, {"slack"})) == 1  # claimed, then the process died
        bot.past_lease()
        assert await bot.tick() == 1
        assert await outcomes(bot.runtime) == ["lapsed", "failed"]


async def _run_again(tmp_path: Path, database_url: str, target: str) -> None:
    """The organizer runs the command for `target` again (written as the command writes it)."""
    async with slack_bot(tmp_path, database_url) as bot:
        await record(bot.runtime.engine, STUDY, ORGANIZER, target, PEOPLE)


async def test_cohort_invitations_given_up_are_listed_with_what_to_do_until_run_again_or_dismissed(
    tmp_path: Path, database_url: str
) -> None:
    await _two_given_up(tmp_path, database_url)
    env = {"DATABASE_URL": database_url, "STUDIES_DIR": str(tmp_path / "studies")}

    shown = run(["db", "problems"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    lapsed = re.search(
        rf"^(cohort:\d+) study {STUDY} invite {re.escape(TARGET)} by slack:T0FAKE:UORGANIZER at "
        r"2027-03-08 12:00 UTC: dropped, the bot was not back within 24 hours$",
        shown.stdout,
        re.M,
    )
    failed = re.search(
        rf"^(cohort:\d+) study {STUDY} invite {re.escape(OTHER_TARGET)} by slack:T0FAKE:UORGANIZER at "
        r".* UTC: dropped, 3 runs ended without finishing it \(the bot's log names the errors\)$",
        shown.stdout,
        re.M,
    )
    assert lapsed is not None and failed is not None, shown.stdout
    assert "2 cohort invitation(s) given up" in shown.stdout
    assert "run the same invite command again (nobody is invited twice" in shown.stdout
    assert "It is not tried again with --retry" in shown.stdout
    assert "UP1" not in shown.stdout, "no member ids"

    doctor = run(["doctor"], tmp_path, **env)
    assert doctor.returncode == 1, doctor.stdout
    assert (
        f"{SET_ASIDE_OUTREACH}2 cohort invitation(s) given up (not resumed within a day, or failing at "
        "each run)" in doctor.stdout
    )

    retried = run(["db", "problems", "--retry", lapsed.group(1)], tmp_path, **env)
    assert retried.returncode == 2, retried.stdout
    said = " ".join(retried.stderr.split())
    assert "is not tried again: its member list was not kept" in said, said
    assert "Run the invite command again" in said

    await _run_again(tmp_path, database_url, "members:<#CTEAM>")  # the same channel, typed otherwise
    shown = run(["db", "problems"], tmp_path, **env)
    assert f"{lapsed.group(1)} " not in shown.stdout and f"{failed.group(1)} " in shown.stdout, shown.stdout
    assert "1 cohort invitation(s) given up" in shown.stdout

    dismissed = run(["db", "problems", "--dismiss", failed.group(1)], tmp_path, **env)
    assert dismissed.returncode == 0, dismissed.stderr
    assert "1 cohort invitation(s) dismissed: no longer listed" in dismissed.stdout
    assert "cohort:" not in dismissed.stdout.replace("cohort invitation", "")
    again = run(["db", "problems", "--dismiss", failed.group(1)], tmp_path, **env)
    assert again.returncode != 0 and "not every id given" in again.stderr
    wrong = run(["db", "problems", "--dismiss", "inv:1"], tmp_path, **env)
    assert wrong.returncode == 2 and "e.g. cohort:3" in wrong.stderr
    assert "set-aside outreach" not in run(["doctor"], tmp_path, **env).stdout
