"""The App Home tab as the Slack world's bot publishes it (views.publish through the fake Web API)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.helpers import write_study
from tests.support.slack_world import ALICE, slack_world


async def test_app_home_lists_interviews_and_how_to_withdraw(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        await w.slack.home_opened(ALICE)
        await w.fake.wait_for("views.publish")
        assert "not taken part" in json.dumps(w.fake.home_views[ALICE])
        await w.say("hi")
        await w.slack.home_opened(ALICE)
        await w.fake.wait_for("views.publish", 2)
        view = json.dumps(w.fake.home_views[ALICE])
        assert "*Tools at work*" in view and "waiting for your consent" in view and "`withdraw`" in view


async def test_a_study_title_longer_than_a_section_still_shows_the_home_tab(
    sqlite_url: str, study_dir: Path
) -> None:
    """A title may be 4,000 characters; a section block's text at most 3,000
    (https://docs.slack.dev/reference/block-kit/blocks/section-block), and escaping lengthens it."""
    write_study(study_dir, title="R&D tools " * 390)
    async with slack_world(sqlite_url, study_dir) as w:
        await w.say("hi")
        await w.slack.home_opened(ALICE)
        await w.fake.wait_for("views.publish")
        [published] = w.fake.calls_to("views.publish")
        assert published.error is None, published.error
        view = w.fake.home_views[ALICE]
        shown = json.dumps(view, ensure_ascii=False)
        assert "*R&amp;D tools R&amp;D tools" in shown and "R&amp;D…*" in shown, shown[:400]
