"""Invitations end to end through the fake Slack: a channel post, a click, an interview, a live count."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from sqlmodel import select

from bot.interview.locales import ENGLISH
from bot.messages import Address
from bot.outreach.due_work import plan_due_work
from bot.outreach.invitations import Member, invite
from bot.outreach.scheduler import Scheduler
from bot.storage.models import InboxRow, Interview, InvitationRow, OutboxRow, Participant
from tests.support.fakes.slack_api import BOT_USER, FakeSlack, dm_channel
from tests.support.fakes.slack_rules import MANIFEST, command_wire_text, manifest_escapes_commands
from tests.support.helpers import small_study, write_study
from tests.support.interviews import state_of
from tests.support.slack_world import ALICE, World, bot_process, buttons, slack_world

ALWAYS = {
    "send_window": "00:00-00:00",
    "quiet_hours": "00:00-00:00",
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
}
INVITATION = {
    "text": "A ten minute chat about tools?",
    "max_reminders": 2,
    "reminder_after": "1d",
    "expire_after": "2d",
}


def always_open_study(tmp_path: Path) -> Path:
    """The pilot study with invitation settings and a send window that is open at any hour."""
    directory = tmp_path / "open-studies"
    directory.mkdir()
    write_study(directory, invitation=INVITATION, schedule=ALWAYS)
    return directory


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
        assert buttons(post) == ["Take part", "Not now"]
        again = await command(w, "UORGANIZER", "invite pilot-study <#CGENERAL|general>", "c2")
        assert "already posted" in again
        assert len([p for p in w.fake.posted if p["channel"] == "CGENERAL"]) == 1  # not re-posted

        status, _ = await w.slack.click(ALICE, post, "Take part")
        assert status == 200
        await w.drain()
        assert buttons(w.last()) == ["Yes, I agree", "No, thanks"]
        await w.click("Yes, I agree")
        await Scheduler(w.runtime.engine).run_once()
        [update] = [c for c in w.fake.calls_to("chat.update") if c.args.get("channel") == "CGENERAL"]
        assert "1 person has taken part so far" in update.args["text"]
        assert update.args["ts"] == post["ts"]
        status_reply = await command(w, "UORGANIZER", "status pilot-study", "c3")
        assert "awaiting consent" in status_reply or "screening" in status_reply


async def test_channel_members_are_invited_in_their_own_time_zone(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        w.fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL"])
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
        assert "Invitation funnel, main interview: invited 2" in status_reply


async def test_a_zone_the_member_chose_outranks_their_profile(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        w.fake.add_user("UCHOSE", tz="America/Los_Angeles")
        w.fake.add_channel("CTEAM", "team", ["UCHOSE", "UBOB"])
        assert "now Asia/Tokyo" in await command(w, "UCHOSE", "timezone Asia/Tokyo", "t1")
        await command(w, "UORGANIZER", "invite pilot-study members:<#CTEAM|team>", "c1")
        async with w.runtime.store.session() as s:
            zones = {p.user_id: p.timezone for p in (await s.exec(select(Participant))).all()}
        assert (zones["UCHOSE"], zones["UBOB"]) == ("Asia/Tokyo", "Europe/Berlin")


async def test_bad_invite_commands_get_clear_answers(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        cases = [
            ("UORGANIZER", "invite nope <#C1|x>", "There is no study `nope`"),
            ("UNOBODY", "invite pilot-study <#C1|x>", "only the researchers and organizers"),
            ("UORGANIZER", "invite pilot-study general", "could not read"),
            (
                "UORGANIZER",
                "invite pilot-study members:<#CMISSING|gone>",
                "could not list the members of <#CMISSING>",
            ),
            ("UORGANIZER", "invite pilot-study", "Usage"),
            ("UORGANIZER", "timezone Mars/Base", "is not an IANA time zone. Write it as Area/City, e.g."),
            ("UORGANIZER", "timezone localtime", "is not an IANA time zone"),  # the server's own zone
            ("UORGANIZER", "timezone right/UTC", "is not an IANA time zone"),
            ("UORGANIZER", "timezone Asia/Tokyo", "Your time zone is now Asia/Tokyo"),
        ]
        for n, (user, text, expected) in enumerate(cases):
            reply = await command(w, user, text, f"b{n}")
            assert expected in reply, (text, reply)


async def test_not_now_in_a_dm_invitation_declines_it_and_stops_its_reminders(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with slack_world(sqlite_url, always_open_study(tmp_path)) as w:
        w.fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL"])
        await command(w, "UORGANIZER", "invite pilot-study members:<#CTEAM|team>", "c1")
        await Scheduler(w.runtime.engine).run_once()
        invitation = w.last("UBOB")
        assert buttons(invitation) == ["Take part", "Not now"]

        assert (await w.slack.click("UBOB", invitation, "Not now"))[0] == 200
        await w.drain()
        assert w.last("UBOB")["text"] == ENGLISH.not_now_text
        [edit] = [c for c in w.fake.calls_to("chat.update") if c.args["channel"] == dm_channel("UBOB")]
        assert edit.args["ts"] == invitation["ts"] and "You answered: *Not now*" in str(edit.args["blocks"])
        assert await state_of(w.runtime, "UBOB") == ["declined"]

        later = w.runtime.engine.clock() + timedelta(days=2)
        planned = await plan_due_work(w.runtime.engine, later)
        assert planned.reminders == 1  # Carol's; Bob said not now
        async with w.runtime.store.session() as s:
            reminders = (await s.exec(select(OutboxRow.user_id).where(OutboxRow.purpose == "reminder"))).all()
            closed = (
                await s.exec(
                    select(InvitationRow.status).join(Participant).where(Participant.user_id == "UBOB")
                )
            ).one()
        assert list(reminders) == ["UCAROL"] and closed == "closed"
        assert "declined 1" in await command(w, "UORGANIZER", "status pilot-study", "c2")

        await w.say("start", user="UBOB")  # what the confirmation says to do to take part later
        assert buttons(w.last("UBOB")) == ["Yes, I agree", "No, thanks"]
        # the same interview and invitation carry on: the funnel counts Bob once, as started
        assert await state_of(w.runtime, "UBOB") == ["awaiting_consent"]
        async with w.runtime.store.session() as s:
            reopened = (
                await s.exec(select(InvitationRow).join(Participant).where(Participant.user_id == "UBOB"))
            ).one()
        assert reopened.status == "open" and reopened.interview_id is not None
        status = await command(w, "UORGANIZER", "status pilot-study", "c3")
        assert "invited 2, reached 1, started 1," in status and "declined 0" in status  # Carol's: paced


async def test_not_now_under_a_channel_post_answers_only_the_clicker(sqlite_url: str, tmp_path: Path) -> None:
    """A member who was not invited gets an ephemeral answer and nothing is stored about them; an invited
    member's invitation (not sent yet) is declined and never goes out."""
    async with slack_world(sqlite_url, always_open_study(tmp_path)) as w:
        await command(w, "UORGANIZER", "invite pilot-study <#CGENERAL|general>", "c1")
        [post] = [p for p in w.fake.posted if p["channel"] == "CGENERAL"]
        status, _ = await w.slack.click("UDAVE", post, "Not now", w.fake.response_url("dave"))
        assert status == 200
        await w.fake.wait_for("respond")
        [reply] = w.fake.responses["dave"]
        assert reply["text"] == ENGLISH.not_now_in_channel and reply["response_type"] == "ephemeral"
        async with w.runtime.store.session() as s:
            assert (await s.exec(select(Participant).where(Participant.user_id == "UDAVE"))).first() is None
            assert (await s.exec(select(InboxRow))).all() == []

        w.fake.add_channel("CTEAM", "team", ["UBOB"])
        await command(w, "UORGANIZER", "invite pilot-study members:<#CTEAM|team>", "c2")
        await w.slack.click("UBOB", post, "Not now", w.fake.response_url("bob"))
        await w.fake.wait_for("respond", 4)
        assert w.fake.responses["bob"][0]["text"] == ENGLISH.not_now_declined
        await Scheduler(w.runtime.engine).run_once()
        assert [p["text"] for p in w.posts("UBOB")] == [
            ENGLISH.not_now_text
        ]  # the invitation itself never went out
        async with w.runtime.store.session() as s:
            row = (await s.exec(select(OutboxRow).where(OutboxRow.purpose == "invitation"))).one()
        assert row.status == "cancelled"
        assert await state_of(w.runtime, "UBOB") == ["declined"]
        assert w.posts(ALICE) == []

        await w.slack.click("UBOB", post, "Take part")  # changed their mind: the same interview starts
        await w.drain()
        assert buttons(w.last("UBOB")) == ["Yes, I agree", "No, thanks"]
        assert await state_of(w.runtime, "UBOB") == ["awaiting_consent"]


async def test_status_shows_the_funnel_per_wave_and_group(sqlite_url: str, tmp_path: Path) -> None:
    later = {"id": "later", "after": "30d", "topics": [small_study()["plan"]["topics"][0]]}
    directory = tmp_path / "wave-studies"
    directory.mkdir()
    write_study(directory, invitation=INVITATION, schedule={**ALWAYS, "waves": [later]})
    async with slack_world(sqlite_url, directory) as w:
        engine = w.runtime.engine
        study = engine.catalog.get("pilot-study")
        assert study is not None
        team = w.fake.team_id
        for person in ("UBOB", "UCAROL"):
            w.fake.member(person)
        cohort = [
            Member(Address("slack", team, "UBOB"), group="teachers"),
            Member(Address("slack", team, "UCAROL"), group="artists"),
        ]
        await invite(engine, study, cohort, source="roster", pace=timedelta(0))
        await Scheduler(engine).run_once()
        await w.click("Not now", user="UBOB")
        await w.click("Take part", user="UCAROL")
        await w.click("Yes, I agree", user="UCAROL")
        await invite(engine, study, [Member(cohort[1].address)], source="wave", wave="later")  # as waves do
        await Scheduler(engine).run_once()

        lines = (await command(w, "UORGANIZER", "status pilot-study", "s1")).splitlines()
        funnel = lines[lines.index(next(x for x in lines if x.startswith("Invitation funnel"))) :]
        assert funnel == [
            "Invitation funnel, main interview: invited 2, reached 2, started 1, consented 1, completed 0, "
            "expired 0, declined 1, unreachable 0",
            "  group artists: invited 1, reached 1, started 1, consented 1, completed 0, expired 0, "
            "declined 0, unreachable 0",
            "  group teachers: invited 1, reached 1, started 0, consented 0, completed 0, expired 0, "
            "declined 1, unreachable 0",
            "Invitation funnel, wave later: invited 1, reached 1, started 0, consented 0, completed 0, "
            "expired 0, declined 0, unreachable 0",
        ]


async def test_channel_members_are_listed_page_by_page_without_bots_or_deactivated_accounts(
    sqlite_url: str, study_dir: Path
) -> None:
    """conversations.members pages at most 200 at a time here; a cohort above 200 asks to confirm first,
    and its profiles are read from users.list, 200 a page, not with one users.info each."""
    async with slack_world(sqlite_url, study_dir) as w:
        people = [f"UPERSON{n:04d}" for n in range(450)]
        w.fake.add_channel("CBIG", "big", [*people, "UBOTTY", "UGONE", "USLACKBOT"])
        w.fake.add_user("UBOTTY", is_bot=True)
        w.fake.add_user("UGONE", deleted=True)
        asked = await command(w, "UORGANIZER", "invite pilot-study members:<#CBIG|big>", "c1")
        assert "453 members, more than 200" in asked and "confirm" in asked, asked
        pages = w.fake.calls_to("conversations.members")
        assert len(pages) == 3 and all(int(c.args["limit"]) <= 200 for c in pages)
        heads_up = await command(w, "UORGANIZER", "invite pilot-study members:<#CBIG|big> confirm", "c2")
        assert "Looking up the profiles of 453 members in the workspace's member list" in heads_up, heads_up
        await w.fake.wait_until(lambda: len(w.fake.responses["c2"]) == 2, 30)
        done = w.fake.responses["c2"][1]["text"]
        assert done.startswith("450 invitation(s)"), done
        async with w.runtime.store.session() as s:
            invited = {p.user_id for p in (await s.exec(select(Participant))).all()}
        assert not {"UBOTTY", "UGONE", "USLACKBOT"} & invited
        listed = w.fake.calls_to("users.list")
        assert len(listed) == 3 and all(int(c.args["limit"]) == 200 for c in listed), listed
        assert not w.fake.calls_to("users.info")


async def test_without_channels_read_in_the_manifest_a_members_invite_fails_with_missing_scope(
    sqlite_url: str, study_dir: Path
) -> None:
    """The fake grants exactly the manifest's scopes: take one away and Slack's missing_scope comes back,
    naming the scope, as the answer to the organizer."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    manifest["oauth_config"]["scopes"]["bot"].remove("channels:read")
    async with FakeSlack(scopes=frozenset(manifest["oauth_config"]["scopes"]["bot"])) as fake:
        fake.add_channel("CTEAM", "team", ["UBOB"])
        async with bot_process(sqlite_url, study_dir, fake) as w:
            reply = await command(w, "UORGANIZER", "invite pilot-study members:<#CTEAM|team>", "c1")
        [refused] = fake.calls_to("conversations.members")
        assert refused.error == "missing_scope"
        assert "`channels:read`" in reply and "reinstall" in reply, reply


async def test_a_channel_typed_without_slacks_escaping_is_found_by_name(
    sqlite_url: str, study_dir: Path
) -> None:
    """Escaping on (the manifest's should_escape), "#team" arrives as <#CTEAM|team>; off, as typed, and the
    bot looks the name up (conversations.list). Both invite the same channel."""
    async with slack_world(sqlite_url, study_dir) as w:
        w.fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL", BOT_USER], private=True)  # the bot was added
        assert manifest_escapes_commands()
        escaped = command_wire_text("invite pilot-study members:#team", {"team": "CTEAM"}, escape=True)
        assert escaped == "invite pilot-study members:<#CTEAM|team>"
        assert (await command(w, "UORGANIZER", escaped, "c1")).startswith("2 invitation(s)")
        plain = command_wire_text("invite pilot-study members:#team", {"team": "CTEAM"}, escape=False)
        again = await command(w, "UORGANIZER", plain, "c2")
        assert "2 already invited" in again, again
        assert w.fake.calls_to("conversations.list")[0].args["types"] == "public_channel,private_channel"
