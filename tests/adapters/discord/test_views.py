"""Discord rendering rules that the fake alone cannot show quickly."""

from __future__ import annotations

import pytest

from adapters.discord.views import CHUNK, MAX_CONTENT, answered_content, known_custom_id, sanitize


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
