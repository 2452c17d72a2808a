"""Retention: past a study's `retention_days` (or by hand with `interviewer db purge`), participants'
content is erased as a withdrawal erases it; the interview rows stay as tombstones in their state."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, select

from bot.messages import utcnow
from bot.outreach.retention_job import purge_expired
from bot.records.export import ExportFilter, records
from bot.records.retention import finish_withdrawals, purge
from bot.runtime import Runtime
from bot.storage.models import AuditEntry, ConsentRecord, InboxRow, Interview, ScreeningAnswer, Turn
from tests.support.helpers import Console, settings_for, start_runtime, write_study

ANSWER = "I use it to draft long reports and then check every figure against the source myself."


async def _interview(runtime, name: str) -> None:  # type: ignore[no-untyped-def]
    """One completed interview by `name`, with the small study's flow."""
    c = Console(runtime, name=name)
    for line in ("hi", "1", "1", "1", ANSWER, ANSWER, ANSWER, "1", "1", "1"):
        await c.say(line)
    assert "that's everything" in c.texts[-1]


async def _age(runtime, name: str, days: int) -> None:  # type: ignore[no-untyped-def]
    """Make `name`'s interviews and inbound messages `days` old."""
    then = utcnow() - timedelta(days=days)
    async with runtime.store.connection() as conn:
        people = sa.text("SELECT id FROM participants WHERE user_id = :name")
        pid = (await conn.execute(people, {"name": name})).scalar_one()
        await conn.execute(
            sa.update(Interview).where(Interview.participant_id == pid).values(updated_at=then)
        )
        await conn.execute(
            sa.update(InboxRow).where(InboxRow.user_id == name).values(received_at=then)  # type: ignore[arg-type]
        )


async def _states(runtime) -> dict[str, tuple[str, bool, int]]:  # type: ignore[no-untyped-def]
    """Per participant: state, erased?, turns held."""
    out = {}
    async with runtime.store.session() as s:
        for interview in (await s.exec(select(Interview).order_by(col(Interview.id)))).all():
            turns = (await s.exec(select(Turn).where(Turn.interview_id == interview.id))).all()
            out[interview.participant_code] = (interview.state, interview.erased_at is not None, len(turns))
    return out


async def test_purge_erases_interviews_last_active_before_the_date_and_keeps_tombstones(
    database_url: str, study_dir: Path, tmp_path: Path
) -> None:
    async with start_runtime(
        settings_for(database_url, study_dir, analysis_cache_dir=tmp_path / "c")
    ) as runtime:
        await _interview(runtime, "old")
        await _interview(runtime, "recent")
        await _age(runtime, "old", days=400)
        report = await purge(runtime.store, "pilot-study", utcnow() - timedelta(days=365), cache_dir=None)
        assert (report.interviews, report.participants) == (1, 1)
        states = list((await _states(runtime)).values())
        assert states[0][:2] == ("completed", True) and states[0][2] == 0, "a tombstone, in its state"
        assert states[1][:2] == ("completed", False) and states[1][2] > 0
        async with runtime.store.session() as s:
            old = (await s.exec(select(InboxRow).where(InboxRow.user_id == "old"))).all()
            assert old and all(r.text == "" and r.choice is None for r in old)
            assert len((await s.exec(select(ConsentRecord))).all()) == 2, "only the recent one's"
            assert len((await s.exec(select(ScreeningAnswer))).all()) == 1
            audit = (await s.exec(select(AuditEntry))).all()
            assert [(a.action, a.actor, a.detail["interviews"]) for a in audit] == [("purge", "retention", 1)]
        exported = [r async for r in records(runtime.store, ExportFilter("pilot-study"))]
        assert len(exported) == 1, "an erased interview is never exported"
        again = await purge(runtime.store, "pilot-study", utcnow() - timedelta(days=365), cache_dir=None)
        assert again.interviews == 0


async def test_purging_an_unfinished_interview_closes_it(database_url: str, study_dir: Path) -> None:
    """Left open, it would carry on, storing new answers beside its tombstone, out of reach of `mydata`,
    exports and any later purge; closed, the participant is told so and nothing more is stored."""
    async with start_runtime(settings_for(database_url, study_dir)) as runtime:
        c = Console(runtime, name="midway")
        for line in ("hi", "1", "1", "1", ANSWER):
            await c.say(line)
        await _age(runtime, "midway", days=400)
        report = await purge(runtime.store, "pilot-study", utcnow() - timedelta(days=365), cache_dir=None)
        assert report.interviews == 1
        assert list((await _states(runtime)).values()) == [("expired", True, 0)]
        await c.say("Here is another long answer about the reports I draft with it every week.")
        assert "This interview has closed" in c.texts[-1]
        assert list((await _states(runtime)).values()) == [("expired", True, 0)], "nothing new stored"
        async with runtime.store.session() as s:
            kept = [r.text for r in (await s.exec(select(InboxRow))).all() if r.text]
        assert kept == [], "an applied event's text is not kept"


async def test_the_scheduler_applies_each_studys_retention_days(sqlite_url: str, tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies, retention_days=30)
    async with start_runtime(settings_for(sqlite_url, studies)) as runtime:
        await _interview(runtime, "old")
        await _interview(runtime, "recent")
        await _age(runtime, "old", days=31)
        assert await purge_expired(runtime.engine, force=True) == 1
        assert [erased for _, erased, _ in (await _states(runtime)).values()] == [True, False]
        assert await purge_expired(runtime.engine) == 0, "at most hourly"


async def test_retention_still_applies_after_the_study_file_is_taken_away(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A finished study's file removed from STUDIES_DIR: the bot, restarted without it, applies the
    retention_days of the study's newest stored plan, so its interviews are not kept for ever."""
    studies = tmp_path / "studies"
    studies.mkdir()
    path = write_study(studies, retention_days=30)
    async with start_runtime(settings_for(sqlite_url, studies)) as runtime:
        await _interview(runtime, "old")
        await _interview(runtime, "recent")
        await _age(runtime, "old", days=31)
    path.unlink()
    write_study(studies, id="another-study")  # the folder still holds other studies
    async with start_runtime(settings_for(sqlite_url, studies)) as runtime:
        assert runtime.catalog.get("pilot-study") is None
        assert await purge_expired(runtime.engine, force=True) == 1
        assert [erased for _, erased, _ in (await _states(runtime)).values()] == [True, False]


async def test_withdrawals_made_before_whole_study_erasure_are_finished(runtime: Runtime) -> None:
    await _interview(runtime, "twice")
    async with runtime.store.connection() as conn:  # as an older version left it: one tombstone, no erasure
        first = (await conn.execute(sa.select(Interview.id))).scalar_one()
        await conn.execute(
            sa.insert(Interview).values(
                participant_id=1,
                study_id="pilot-study",
                study_version=1,
                plan_hash="x",
                participant_code="P-TWICE",
                state="withdrawn",
                data={},
                interviewer="offline",
                pilot=False,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    assert await finish_withdrawals(runtime.store, None) == 1
    async with runtime.store.session() as s:
        interviews = (await s.exec(select(Interview))).all()
        assert {i.state for i in interviews} == {"withdrawn"} and all(i.erased_at for i in interviews)
        assert (await s.exec(select(Turn).where(Turn.interview_id == first))).all() == []


def test_db_purge_from_the_command_line(tmp_path: Path, study_dir: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "STUDIES_DIR": str(study_dir),
        "DEFAULT_STUDY": "pilot-study",
        "PSEUDONYM_KEY": "purge-test",
    }
    binary = str(Path(sys.executable).parent / "interviewer")

    def interviewer(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, *args], input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )

    assert interviewer("demo", "--study", "pilot-study").returncode == 0
    refused = interviewer("db", "purge", "--study", "pilot-study", "--before", "2999-01-01", stdin="n\n")
    assert refused.returncode == 1 and "Erase the content of 1 interview(s)" in refused.stdout
    bad = interviewer("db", "purge", "--study", "pilot-study", "--before", "soon")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    done = interviewer("db", "purge", "--study", "pilot-study", "--before", "2999-01-01", "--yes")
    assert done.returncode == 0 and "erased the content of 1 interview(s)" in done.stdout, done.stderr
    again = interviewer("db", "purge", "--study", "pilot-study", "--before", "2999-01-01", "--yes")
    assert "nothing to erase" in again.stdout
    assert "purge  ok" in interviewer("audit", "pilot-study").stdout
