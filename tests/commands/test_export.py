"""Exports requested by bot command: through the real Bolt app and the fake Slack, with the audit log."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlmodel import col, select

from bot.commands.export import drain_exports, parse_export_args
from bot.commands.registry import execute
from bot.messages import Address
from bot.records import audit
from bot.storage.models import AuditEntry
from tests.support.fakes.slack_api import TEAM, dm_channel
from tests.support.helpers import Console
from tests.support.interviews import complete
from tests.support.slack_world import slack_world


async def test_researcher_export_arrives_as_a_file_in_their_dm(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        for name in ("ann", "bob"):
            await complete(Console(w.runtime, name=name))
        status, _ = await w.slack.command("URESEARCH", "export pilot-study csv", w.fake.response_url("e1"))
        assert status == 200
        await w.fake.wait_for("respond")
        [reply] = w.fake.responses["e1"]
        assert reply["response_type"] == "ephemeral" and "started" in reply["text"]
        # built in the background, however busy the machine: a limit, not a speed check
        await w.fake.wait_until(lambda: bool(w.fake.uploads), 60)
        await drain_exports()
        [upload] = w.fake.uploads
        assert upload["channel"] == dm_channel("URESEARCH")
        assert upload["name"].startswith("pilot-study-") and upload["name"].endswith(".csv")
        assert "2 interview(s)" in upload["initial_comment"]
        rows = list(csv.reader(io.StringIO(upload["content"].decode())))
        assert rows[0][:2] == ["transcript_id", "text"] and len(rows) == 3
        assert "[EMAIL]" in rows[1][1] and "URESEARCH" not in upload["content"].decode()
        entries = await audit.entries(w.runtime.store, "pilot-study")
        assert [(e.actor, e.outcome) for e in entries] == [
            ("slack:URESEARCH", "started"),
            ("slack:URESEARCH", "ok"),
        ]
        assert entries[1].detail["interviews"] == 2 and entries[1].detail["format"] == "csv"


async def test_export_refused_to_organizers_and_strangers_and_audited(
    sqlite_url: str, study_dir: Path
) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        await complete(Console(w.runtime, name="ann"))
        for n, user in enumerate(("UORGANIZER", "USTRANGER")):
            await w.slack.command(user, "export pilot-study", w.fake.response_url(f"r{n}"))
        await w.fake.wait_for("respond", 2)
        assert "only its researchers can export" in w.fake.responses["r0"][0]["text"]
        assert "only the researchers and organizers" in w.fake.responses["r1"][0]["text"]
        await drain_exports()
        assert not w.fake.uploads
        async with w.runtime.store.session() as s:
            rows = (await s.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
        assert [(r.actor, r.action, r.outcome, r.detail["role"]) for r in rows] == [
            ("slack:UORGANIZER", "export", "refused", "organizer"),
            ("slack:USTRANGER", "export", "refused", None),
        ]
        shown = await execute(w.runtime.engine, Address("slack", TEAM, "URESEARCH"), "audit pilot-study")
        assert "slack:USTRANGER  export  refused" in shown
        refused = await execute(w.runtime.engine, Address("slack", TEAM, "UORGANIZER"), "audit pilot-study")
        assert "only its researchers can read its audit log" in refused  # the one study guard's answer


async def test_bad_export_arguments_get_a_clear_answer(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        engine, me = w.runtime.engine, Address("slack", TEAM, "URESEARCH")
        assert "name the study first" in await execute(engine, me, "export")
        assert "not a date" in await execute(engine, me, "export pilot-study --since yesterday")
        assert "neither a format" in await execute(engine, me, "export pilot-study pdf")
        assert "There is no study `nope`" in await execute(engine, me, "export nope")
    request = parse_export_args(["s", "qdpx", "--since", "2026-01-02", "--group", "Engineer", "--public"])
    assert (request.fmt, request.group, request.public_only) == ("qdpx", "Engineer", True)
    assert request.since is not None and request.since.tzinfo is not None


async def test_an_unredacted_export_is_refused_in_the_chat(sqlite_url: str, study_dir: Path) -> None:
    """`--no-redact` belongs to the server's command line: raw transcripts never go to Slack's servers."""
    async with slack_world(sqlite_url, study_dir) as w:
        await complete(Console(w.runtime, name="ann"))
        line = "export pilot-study csv --no-redact"
        status, _ = await w.slack.command("URESEARCH", line, w.fake.response_url("raw"))
        assert status == 200
        await w.fake.wait_for("respond")
        [reply] = w.fake.responses["raw"]
        assert "only for the server's command line" in reply["text"], reply
        await drain_exports()
        assert not w.fake.uploads
        assert await audit.entries(w.runtime.store, "pilot-study") == []
    assert not parse_export_args(["s", "--no-redact"], allow_raw=True).redacted


class _Channel:
    """Stands in for a discord.py DM channel: records what was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str | None, str, bytes]] = []

    async def send(self, content: str | None = None, *, file: Any, allowed_mentions: Any) -> Any:
        self.sent.append((content, file.filename, file.fp.read()))
        return SimpleNamespace(id=len(self.sent))


class _Client:
    user = object()

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel

    def is_closed(self) -> bool:
        return False

    async def create_dm(self, _: Any) -> _Channel:
        return self.channel


async def test_discord_upload_is_an_attachment_zipped_and_split_when_too_big() -> None:
    from adapters.discord.send import DiscordSender, attachment_parts

    channel = _Channel()
    sender = DiscordSender(_Client(channel))  # type: ignore[arg-type]
    sender.attachment_limit = 4000
    who = Address("discord", "dm", "111")
    await sender.upload_file(who, "small.csv", "a,b\n1,2\n", comment="Here @everyone")
    assert channel.sent == [("Here @\u200beveryone", "small.csv", b"a,b\n1,2\n")]  # mentions defused
    text = "transcript_id,text\n" + "P-1,Assistant: hello again\n" * 2000  # compresses well
    channel.sent.clear()
    await sender.upload_file(who, "big.csv", text)
    [(_, name, data)] = channel.sent
    assert name == "big.csv.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("big.csv").decode() == text
    noise = os.urandom(10_000)  # does not compress: cut into numbered parts
    channel.sent.clear()
    await sender.upload_file(who, "x.qdpx", noise, comment="Your export")
    assert [n for _, n, _ in channel.sent] == ["x.qdpx.001", "x.qdpx.002", "x.qdpx.003"]
    assert b"".join(d for _, _, d in channel.sent) == noise
    assert "cat x.qdpx.* > x.qdpx" in (channel.sent[0][0] or "") and channel.sent[1][0] is None
    assert attachment_parts("a.jsonl", b"x" * 10) == [("a.jsonl", b"x" * 10)]


async def test_discord_export_arrives_as_an_attachment_in_the_researchers_dm(
    sqlite_url: str, study_dir: Path
) -> None:
    """`/interviewer export` through the real discord.py client: a multipart upload the fake Discord reads."""
    from tests.support.discord_world import RESEARCHER, Bot
    from tests.support.fakes.discord_api import FakeDiscord

    async with FakeDiscord() as fake, Bot(fake, sqlite_url, study_dir) as bot:
        for name in ("ann", "bob"):
            await complete(Console(bot.runtime, name=name))
        payload = await fake.slash(RESEARCHER, "interviewer", "export", study="pilot-study", format="csv")
        await fake.wait_until(lambda: bool(fake.uploads), what="the export upload")
        await drain_exports()
        ack, text = await fake.answer(payload)
        assert ack["data"]["flags"] == 64 and "started" in text
        [upload] = fake.uploads
        assert upload["channel"] == fake.dm_channel_id(RESEARCHER)
        assert upload["filename"].startswith("pilot-study-") and upload["filename"].endswith(".csv")
        message = fake.messages[upload["message"]]
        assert "2 interview(s)" in message["content"] and message["attachments"][0]["size"] == len(
            upload["data"]
        )
        rows = list(csv.reader(io.StringIO(upload["data"].decode())))
        assert rows[0][:2] == ["transcript_id", "text"] and len(rows) == 3
        assert all(r[1].startswith("Assistant: ") for r in rows[1:])
        # the researcher who asked is in no row (a bare "111" may occur inside a timestamp, so compare cells)
        assert not any(cell == RESEARCHER or f"discord:{RESEARCHER}" in cell for row in rows for cell in row)
