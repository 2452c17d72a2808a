"""Invitations end to end through the fake Slack: a channel post, a click, an interview, a live count."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.scheduler import Scheduler
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant
from tests.test_slack import ALICE, World, _buttons, slack_world


async def command(w: World, user: str, text: str, tag: str) -> str:
    status, _ = await w.slack.command(user, text, w.fake.response_url(tag))
    assert status == 200
    await w.fake.wait_for("respond", len(w.fake.calls_to("respond")) + 1)
    return str(w.fake.responses[tag][-1]["text"])


async def test_channel_invitation_click_starts_an_interview_and_the_count_updates(
    sqlite_url: str, study_dir: Path
) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        reply = await command(w, "UORGANIZER", "invite pilot-study <#CGENERAL|general>", "c1")
        assert "Posted the invitation" in reply
        [post] = [p for p in w.fake.posted if p["channel"] == "CGENERAL"]
        assert "0 people have taken part so far" in post["text"]
        assert _buttons(post) == ["Take part"]
        again = await command(w, "UORGANIZER", "invite pilot-study <#CGENERAL|general>", "c2")
        assert "already posted" in again
        assert len([p for p in w.fake.posted if p["channel"] == "CGENERAL"]) == 1  # not re-posted

        status, _ = await w.slack.click(ALICE, post, "Take part")
        assert status == 200
        await w.drain()
        assert _buttons(w.last()) == ["Yes, I agree", "No, thanks"]
        await w.click("Yes, I agree")
        await Scheduler(w.runtime.engine).run_once()
        [update] = [c for c in w.fake.calls_to("chat.update") if c.args.get("channel") == "CGENERAL"]
        assert "1 person has taken part so far" in update.args["text"]
        assert update.args["ts"] == post["ts"]
        status_reply = await command(w, "UORGANIZER", "status pilot-study", "c3")
        assert "awaiting consent" in status_reply or "screening" in status_reply


async def test_channel_members_are_invited_in_their_own_time_zone(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        w.fake.channel_members["CTEAM"] = ["UBOB", "UCAROL"]
        reply = await command(w, "UORGANIZER", "invite pilot-study members:<#CTEAM|team>", "c1")
        assert reply.startswith("2 invitation(s) for `pilot-study` scheduled"), reply
        again = await command(w, "UORGANIZER", "invite pilot-study members:<#CTEAM|team>", "c2")
        assert "0 invitation(s)" in again and "2 already invited" in again
        async with w.runtime.store.session() as s:
            people = (
                await s.exec(select(Participant).where(Participant.user_id.in_(["UBOB", "UCAROL"])))
            ).all()  # type: ignore[attr-defined]
            assert {p.timezone for p in people} == {"Europe/Berlin"}  # users.info `tz`
            assert len((await s.exec(select(InvitationRow))).all()) == 2
            rows = (await s.exec(select(OutboxRow).where(OutboxRow.purpose == "invitation"))).all()
            assert {r.key.split(":")[4] for r in rows} == {"invitation"}
            assert {i.state for i in (await s.exec(select(Interview))).all()} == {"invited"}
        status_reply = await command(w, "UORGANIZER", "status pilot-study", "c3")
        assert "Invitation funnel: invited 2" in status_reply


async def test_bad_invite_commands_get_clear_answers(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        cases = [
            ("UORGANIZER", "invite nope <#C1|x>", "There is no study `nope`"),
            ("UNOBODY", "invite pilot-study <#C1|x>", "only the researchers and organizers"),
            ("UORGANIZER", "invite pilot-study general", "could not read"),
            ("UORGANIZER", "invite pilot-study members:<#CMISSING|gone>", "could not reach channel"),
            ("UORGANIZER", "invite pilot-study", "Usage"),
            ("UORGANIZER", "timezone Mars/Base", "Usage"),
            ("UORGANIZER", "timezone Asia/Tokyo", "Your time zone is now Asia/Tokyo"),
        ]
        for n, (user, text, expected) in enumerate(cases):
            reply = await command(w, user, text, f"b{n}")
            assert expected in reply, (text, reply)
