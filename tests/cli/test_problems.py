"""`interviewer db problems` as an operator runs it (a subprocess): the deletions Slack refused after a
withdrawal are listed with their count, ids, DM and message, and what the researcher can do, without
anything the participant wrote (and `interviewer doctor` flags them); `--retry out:ID` queues one again.
Invitations and follow-up waves set aside after failed plans, and members of a follow-up wave whose
invitation could not be written, are listed, flagged by `interviewer doctor` and put back the same way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from adapters.slack.web import SlackSender
from bot.messages import RETRACTION, Address, Inbound
from bot.outreach.invitations import invite
from bot.outreach.roster import Member
from bot.outreach.scheduler import Scheduler
from bot.runtime import Runtime
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant
from tests.support.cli import run
from tests.support.fakes.slack_api import TEAM, FakeSlack
from tests.support.helpers import settings_for, start_runtime, write_study
from tests.support.outreach import (
    LEFT_OVER,
    STUDY,
    WAVE,
    Clock,
    FakeSender,
    leave_a_stale_wave_invitation,
    leave_an_unreadable_member,
    member,
    mend_unreadable_members,
    remove_stale_wave_invitations,
    runtime_for,
    wave_study_dir,
)

ALICE = Address("slack", TEAM, "UALICE")
SAID = "My manager Jo Example reads every draft I write with it."  # must never be shown
SET_ASIDE_OUTREACH = "PROBLEM set-aside outreach: "


async def _outbox(runtime: Runtime) -> list[OutboxRow]:
    async with runtime.store.session() as s:
        return list((await s.exec(select(OutboxRow).order_by(col(OutboxRow.id)))).all())


async def _a_withdrawal_slack_will_not_clean_up(
    database_url: str, studies: Path
) -> tuple[list[OutboxRow], str]:
    """Alice answers a question and withdraws; Slack answers every chat.delete `cant_delete_message`
    (https://docs.slack.dev/reference/methods/chat.delete). Returns the refused deletions and the text of
    a question the bot asked her. A set-aside invitation of Bob's is left in the same database."""
    async with FakeSlack() as fake, start_runtime(settings_for(database_url, studies)) as runtime:
        fake.member(ALICE.user_id)
        fake.fail_next("chat.delete", "cant_delete_message", times=50)
        sender = SlackSender(AsyncWebClient(token=fake.token, base_url=fake.base_url))
        runtime.engine.register_sender("slack", sender)
        for n, text in enumerate(["hi", "1", "1", "1", SAID, "withdraw", "1"]):
            await runtime.engine.receive(Inbound(ALICE, f"m{n}", text=text))
            await runtime.engine.drain()
        for _ in range(10):  # a refused one holds the person's later rows back to the next tick
            await runtime.engine.tick()
        asked = next(str(p["text"]) for p in fake.posted if str(p["text"]).endswith("?"))
        refused = [r for r in await _outbox(runtime) if r.purpose == RETRACTION]
        assert refused and {r.status for r in refused} == {"failed"}, [(r.status, r.error) for r in refused]

        study = runtime.catalog.get("pilot-study")
        assert study is not None
        await invite(runtime.engine, study, [Member(Address("slack", TEAM, "UBOB"))], source="roster")
        async with runtime.store.session() as s:
            invitation = (await s.exec(select(InvitationRow))).one()
            invitation.status, invitation.plan_failures = "failed", 3  # as three failed ticks leave it
            s.add(invitation)
        return refused, asked


async def test_refused_deletions_are_listed_without_participant_text_and_can_be_tried_again(
    tmp_path: Path, database_url: str
) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    refused, asked = await _a_withdrawal_slack_will_not_clean_up(database_url, studies)
    env = {"DATABASE_URL": database_url, "STUDIES_DIR": str(studies)}

    shown = run(["db", "problems"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert f"{len(refused)} deletion(s) refused" in out
    for row in refused:
        [line] = [x for x in out.splitlines() if x.startswith(f"out:{row.id} ")]
        assert f"in the DM of slack:{TEAM}:UALICE" in line and "cant_delete_message" in line, line
        assert row.platform_message_id and f"message {row.platform_message_id} " in line, line
    assert "--retry out:ID" in out and "delete the message by hand" in out
    assert "tell the participant" in out
    assert SAID not in out and SAID[:20] not in out, "nothing the participant wrote"
    assert asked not in out, "nor the bot's own messages"
    assert re.search(r"^inv:\d+ study pilot-study wave main to slack:T0FAKE:UBOB ", out, re.MULTILINE), out
    assert "1 invitation(s) set aside" in out and "--retry inv:ID" in out

    doctor = run(["doctor"], tmp_path, **env)
    assert (
        doctor.returncode == 1 and f"PROBLEM refused deletions: {len(refused)} of the bot's" in doctor.stdout
    )
    assert f"{SET_ASIDE_OUTREACH}1 invitation(s) set aside after 3 failed plans in a row\n" in doctor.stdout

    first = refused[0].id
    again = run(["db", "problems", "--retry", f"out:{first}"], tmp_path, **env)
    assert again.returncode == 0, again.stderr
    assert "1 refused deletion(s) put back" in again.stdout
    assert f"{len(refused) - 1} deletion(s) refused" in again.stdout and f"out:{first} " not in again.stdout

    invitation = re.search(r"^(inv:\d+) ", out, re.MULTILINE)
    assert invitation is not None
    back = run(["db", "problems", "--retry", invitation.group(1)], tmp_path, **env)
    assert back.returncode == 0 and "1 invitation(s) put back" in back.stdout, back.stderr
    assert "set aside" not in back.stdout


async def _a_wave_with_a_problem(database_url: str, tmp_path: Path, broken: str) -> None:
    """Two members completed the interview 91 days ago, and three ticks ran. With `broken` "member", an
    outbox row left with the key of U2's invitation to the follow-up wave sets U2 aside at the first tick
    (U1 is invited); with "wave", a row of U2's the wave's query cannot read sets the wave aside."""
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(database_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1"), member("U2")], source="roster", pace=timedelta(0))
        async with runtime.store.session() as s:
            for interview in (await s.exec(select(Interview))).all():
                interview.state, interview.completed_at = "completed", clock.now
                s.add(interview)
        if broken == "member":
            await leave_a_stale_wave_invitation(runtime, "U2")
        else:
            await leave_an_unreadable_member(runtime, "U2")
        clock.advance(days=91)
        failed = [(await Scheduler(runtime.engine).run_once()).failed for _ in range(3)]
        assert failed == ([1, 0, 0] if broken == "member" else [1, 1, 1])


async def _wave_invitations(database_url: str, tmp_path: Path) -> list[str]:
    """Mend the causes, run a tick, and return who is invited to the wave."""
    now = datetime(2027, 6, 8, 10, 0, tzinfo=UTC)
    clock, sender = Clock(now), FakeSender()
    async with runtime_for(database_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        await remove_stale_wave_invitations(runtime)
        await mend_unreadable_members(runtime, now)
        await Scheduler(runtime.engine).run_once()
        async with runtime.store.session() as s:
            found = await s.exec(
                select(Participant.user_id)
                .join(InvitationRow, col(InvitationRow.participant_id) == col(Participant.id))
                .where(InvitationRow.wave == WAVE, col(InvitationRow.interview_id).is_not(None))
                .order_by(col(Participant.user_id))
            )
            return list(found.all())


async def test_a_set_aside_wave_is_listed_flagged_by_doctor_and_put_back(
    tmp_path: Path, database_url: str
) -> None:
    await _a_wave_with_a_problem(database_url, tmp_path, "wave")
    env = {"DATABASE_URL": database_url, "STUDIES_DIR": str(tmp_path / "studies")}

    shown = run(["db", "problems"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    line = re.search(
        rf"^(wave:\d+) study {STUDY} wave {WAVE}: planning failed 3 times, the last at ", shown.stdout, re.M
    )
    assert line is not None, shown.stdout
    assert "1 follow-up wave(s) set aside" in shown.stdout and "--retry wave:ID" in shown.stdout
    assert "Nobody is invited to them until put back" in shown.stdout

    doctor = run(["doctor"], tmp_path, **env)
    assert doctor.returncode == 1, doctor.stdout
    assert (
        f"{SET_ASIDE_OUTREACH}1 follow-up wave(s) set aside after 3 failed plans in a row\n" in doctor.stdout
    )
    assert "fix: See them with `interviewer db problems`" in doctor.stdout

    wrong = run(["db", "problems", "--retry", "wave:999999"], tmp_path, **env)
    assert wrong.returncode != 0 and "not every id given (wave:999999) is set aside" in wrong.stderr
    typo = run(["db", "problems", "--retry", "waves:1"], tmp_path, **env)
    assert typo.returncode == 2 and "give the id shown by `db problems`" in typo.stderr

    back = run(["db", "problems", "--retry", line.group(1)], tmp_path, **env)
    assert back.returncode == 0, back.stderr
    assert "1 follow-up wave(s) put back" in back.stdout and "set aside" not in back.stdout
    doctor = run(["doctor"], tmp_path, **env)
    assert doctor.returncode == 0 and "set-aside outreach" not in doctor.stdout, doctor.stdout
    assert await _wave_invitations(database_url, tmp_path) == ["U1", "U2"], "planned again once put back"


async def test_a_member_set_aside_from_a_wave_is_listed_flagged_by_doctor_and_put_back(
    tmp_path: Path, database_url: str
) -> None:
    await _a_wave_with_a_problem(database_url, tmp_path, "member")
    env = {"DATABASE_URL": database_url, "STUDIES_DIR": str(tmp_path / "studies")}

    shown = run(["db", "problems"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    line = re.search(
        rf"^(inv:\d+) study {STUDY} wave {WAVE} to slack:T1:U2: the invitation was never written "
        r"\(it failed at 2027-06-07 10:00 UTC\)$",
        shown.stdout,
        re.M,
    )
    assert line is not None, shown.stdout
    assert "1 member(s) set aside from follow-up waves: their invitation could not be written" in shown.stdout
    assert "The wave goes on for everyone else" in shown.stdout and "--retry inv:ID" in shown.stdout
    assert "wave(s) set aside" not in shown.stdout and LEFT_OVER not in shown.stdout

    doctor = run(["doctor"], tmp_path, **env)
    assert doctor.returncode == 1, doctor.stdout
    assert (
        f"{SET_ASIDE_OUTREACH}1 member(s) set aside from follow-up waves (their invitation could not be "
        "written)\n" in doctor.stdout
    )

    back = run(["db", "problems", "--retry", line.group(1)], tmp_path, **env)
    assert back.returncode == 0, back.stderr
    assert "1 invitation(s) put back" in back.stdout and "set aside" not in back.stdout
    again = run(["db", "problems", "--retry", line.group(1)], tmp_path, **env)
    assert again.returncode != 0 and f"not every id given ({line.group(1)}) is set aside" in again.stderr
    doctor = run(["doctor"], tmp_path, **env)
    assert doctor.returncode == 0 and "set-aside outreach" not in doctor.stdout, doctor.stdout
    assert await _wave_invitations(database_url, tmp_path) == ["U1", "U2"], "invited at the next tick"


def _set_waves(tmp_path: Path, waves: list[dict[str, object]] | None) -> list[dict[str, object]]:
    """Rewrite the study file with `waves` (None: none); returns the waves it had."""
    path = tmp_path / "studies" / f"{STUDY}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    had = list(data["schedule"].get("waves") or [])
    data["schedule"]["waves"] = waves or []
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return had


@pytest.mark.parametrize("broken", ["wave", "member"])
async def test_what_was_set_aside_of_a_wave_taken_out_of_its_study_file_is_no_longer_a_problem(
    tmp_path: Path, sqlite_url: str, broken: str
) -> None:
    """The organizer took the wave out of the study: nothing is planned for it, so neither the wave set
    aside nor a member set aside from it is listed or flagged by doctor; a note says why. Back in the
    file, it is listed again, still set aside."""
    await _a_wave_with_a_problem(sqlite_url, tmp_path, broken)
    env = {"DATABASE_URL": sqlite_url, "STUDIES_DIR": str(tmp_path / "studies")}
    kind = "wave" if broken == "wave" else "inv"
    assert re.search(
        rf"^{kind}:\d+ study {STUDY} wave {WAVE}", run(["db", "problems"], tmp_path, **env).stdout, re.M
    )

    waves = _set_waves(tmp_path, None)
    shown = run(["db", "problems"], tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    assert f"wave {WAVE}" not in shown.stdout, shown.stdout
    assert (
        "(1 set-aside follow-up wave(s) or wave member(s) not listed: their wave is no longer in its study "
        "file, so nothing is planned for them; listed again if it comes back)" in shown.stdout
    )
    assert "no dead letters" in shown.stdout
    doctor = run(["doctor"], tmp_path, **env)
    assert "set-aside outreach" not in doctor.stdout, doctor.stdout

    _set_waves(tmp_path, waves)
    shown = run(["db", "problems"], tmp_path, **env)
    assert re.search(rf"^{kind}:\d+ study {STUDY} wave {WAVE}", shown.stdout, re.M), shown.stdout
    assert "not listed" not in shown.stdout
    assert SET_ASIDE_OUTREACH in run(["doctor"], tmp_path, **env).stdout
