"""`interviewer db problems` as an operator runs it (a subprocess): the deletions Slack refused after a
withdrawal are listed with their count, ids, DM and message, and what the researcher can do, without
anything the participant wrote (and `interviewer doctor` flags them); `--retry out:ID` queues one again. Invitations set aside after failed
plans are listed and put back the same way."""

from __future__ import annotations

import re
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from adapters.slack.web import SlackSender
from bot.messages import RETRACTION, Address, Inbound
from bot.outreach.invitations import invite
from bot.outreach.roster import Member
from bot.runtime import Runtime
from bot.storage.models import InvitationRow, OutboxRow
from tests.support.cli import run
from tests.support.fakes.slack_api import TEAM, FakeSlack
from tests.support.helpers import settings_for, start_runtime, write_study

ALICE = Address("slack", TEAM, "UALICE")
SAID = "My manager Jo Example reads every draft I write with it."  # must never be shown


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
