"""Discord rendering rules that the fake alone cannot show quickly."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from adapters.discord.client import _follow_up, build_client
from adapters.discord.views import (
    CHUNK,
    MAX_CONTENT,
    NOT_NOW_TEMPLATE,
    TAKE_PART_TEMPLATE,
    NotNowButton,
    TakePartButton,
    answered_content,
    known_custom_id,
    sanitize,
)
from bot.interview.locales import ENGLISH, texts_for
from tests.support.helpers import settings_for, start_runtime, write_study


@pytest.mark.parametrize("label", ["@here @everyone " * 6, "Yes", "x" * 200])
def test_the_answered_edit_stays_within_discords_limit_after_mentions_are_defused(label: str) -> None:
    """A question piece of CHUNK characters and an option with mentions: escaping adds a character per
    mention, which once made the edit 2,009 characters and Discord refused it (50035)."""
    edited = answered_content("q" * CHUNK, label)
    assert len(edited) <= MAX_CONTENT
    assert edited.startswith("q" * CHUNK + "\n\n**You answered:** ")
    assert "@here" not in edited.replace(sanitize("@here"), "")  # no live mention survives


def test_only_the_bots_own_custom_ids_are_known() -> None:
    assert known_custom_id("iv:3:consent:yes") and known_custom_id("take-part:pilot-study")
    assert known_custom_id("not-now:pilot-study") and known_custom_id("ix:3:screen:role:2")
    assert not known_custom_id("something-old:1") and not known_custom_id("take-part:")


class _Followups:
    """An interaction's follow-up webhook, recording what is sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, content: str, **options: object) -> None:
        self.sent.append(content)


async def test_a_long_later_answer_to_a_command_goes_whole_in_pieces() -> None:
    """A command's later answer over 2,000 characters (Discord's content limit) once lost all but its
    first piece; every piece now goes, each within the limit."""
    followup = _Followups()
    await _follow_up(cast(Any, SimpleNamespace(followup=followup)), "word " * 1000)
    assert len(followup.sent) == 3 and all(len(piece) <= MAX_CONTENT for piece in followup.sent)
    assert " ".join(followup.sent).split() == ["word"] * 1000


async def test_a_channel_posts_button_remade_without_its_label_takes_the_studys(
    sqlite_url: str, study_dir: Path
) -> None:
    """discord.py re-creates a clicked button from its custom id and the clicked component; a component
    without a label (an emoji-only button) gets the label of the study the id names, in its language."""
    write_study(study_dir, id="werkzeuge", language="de")
    async with start_runtime(settings_for(sqlite_url, study_dir)) as runtime:
        client = build_client(runtime)
        clicked = cast(Any, SimpleNamespace(client=client))
        unlabelled = cast(Any, SimpleNamespace(label=None))

        async def remade(kind: Any, template: str, custom_id: str) -> str | None:
            match = re.fullmatch(template, custom_id)
            assert match is not None
            return str((await kind.from_custom_id(clicked, unlabelled, match)).item.label)

        german = texts_for("de")
        assert await remade(TakePartButton, TAKE_PART_TEMPLATE, "take-part:werkzeuge") == german.take_part
        assert await remade(NotNowButton, NOT_NOW_TEMPLATE, "not-now:werkzeuge") == german.not_now_label
        assert await remade(TakePartButton, TAKE_PART_TEMPLATE, "take-part:pilot-study") == ENGLISH.take_part
        assert await remade(NotNowButton, NOT_NOW_TEMPLATE, "not-now:gone") == ENGLISH.not_now_label
        labelled = cast(Any, SimpleNamespace(label="Mitmachen"))
        match = re.fullmatch(TAKE_PART_TEMPLATE, "take-part:werkzeuge")
        assert match is not None
        assert (await TakePartButton.from_custom_id(clicked, labelled, match)).item.label == "Mitmachen"
        await client.close()
