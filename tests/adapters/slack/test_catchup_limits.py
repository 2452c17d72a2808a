"""The read-back after downtime under conversations.history's limit for a commercially distributed app
not approved for the Slack Marketplace: 1 call a minute, 15 messages a page
(https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq). The fake's minute runs on a
clock the catch-up's wait moves forward, so nothing here sleeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from adapters.slack.catchup import catch_up, plan_catch_up
from adapters.slack.receive import history_inbound
from bot.engine import catchup
from bot.storage.models import InboxRow
from tests.support.fakes.slack_api import dm_channel
from tests.support.slack_world import ALICE, World, slack_world


def minute_clock(w: World, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Slack's limit as for a non-Marketplace app, on a clock that `catchup.wait` moves; the waits."""
    now, waits = [0.0], []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    w.fake.limit_like_non_marketplace(window=60)
    assert w.fake.non_marketplace is not None
    w.fake.non_marketplace.clock = lambda: now[0]
    monkeypatch.setattr(catchup, "wait", wait)
    return waits


async def test_each_page_waits_out_its_minute_and_reading_goes_on_from_there(
    sqlite_url: str, study_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        await w.say("hi")
        waits = minute_clock(w, monkeypatch)
        written = [w.slack.message_event(ALICE, f"line {n}")["ts"] for n in range(40)]  # three pages
        sender = w.runtime.engine.dispatcher.senders["slack"]
        assert await catch_up(w.runtime.engine, sender) == 40  # type: ignore[arg-type]
        calls = [(c.status, bool(c.args.get("cursor"))) for c in w.fake.calls_to("conversations.history")]
        assert calls == [(200, False), (429, True), (200, True), (429, True), (200, True)]
        assert waits == [60, 60]
        async with w.runtime.store.session() as s:
            keys = (await s.exec(select(InboxRow.dedupe_key).order_by(InboxRow.id))).all()
        assert [k.rsplit(":", 1)[1] for k in keys[-40:]] == written  # oldest first, each once
        assert (await catchup.open_conversations(w.runtime.store, "slack"))[0].unfinished_from is None


async def test_a_live_message_does_not_move_the_start_of_an_unfinished_read_back(
    sqlite_url: str, study_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History read-back planned from Alice's last stored message; a live message arrives before it
    finished (or the bot stops): the next plan still starts there, not after the live message."""
    async with slack_world(sqlite_url, study_dir) as w:
        await w.say("hi")
        await w.drain()
        [(who, start)] = await plan_catch_up(w.runtime.engine)
        w.slack.message_event(ALICE, "written while the bot was down")
        live = w.slack.message_event(ALICE, "written live")
        assert await w.runtime.engine.receive(
            history_inbound(w.fake.team_id, dm_channel(ALICE), live, live=True)
        )  # type: ignore[arg-type]
        assert await plan_catch_up(w.runtime.engine) == [(who, start)]
        minute_clock(w, monkeypatch)
        sender = w.runtime.engine.dispatcher.senders["slack"]
        assert await catch_up(w.runtime.engine, sender) == 1  # type: ignore[arg-type]
        [(_, after)] = await plan_catch_up(w.runtime.engine)
        assert float(after) > float(start)  # finished: the next start reads after the newest stored
