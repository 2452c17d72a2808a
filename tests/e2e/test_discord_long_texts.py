"""Bot texts longer than Discord's 2,000-character limit, as a participant meets them in
`interviewer run --discord`: cut into several messages, never inside a word or a markdown code span."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_discord import discord_service, labels
from tests.support.helpers import small_study

COMMAND = "`type stop, pause or withdraw in this chat at any time and the bot will do so`"


async def test_a_long_intro_is_never_cut_inside_a_code_span(tmp_path: Path) -> None:
    """A study's intro with a code span across the 1,900-character cut and no sentence end in the half
    before it: the cut fell at a space inside the span, leaving a stray backtick in each message."""
    intro = (
        "Hello, I am an AI interviewer. " + "some background words, " * 80 + f"To stop, {COMMAND}. Thanks."
    )
    assert intro.index(COMMAND) < 1900 < intro.index(COMMAND) + len(COMMAND)
    plan = {**small_study()["plan"], "intro": intro}
    async with discord_service(tmp_path, {"plan": plan}) as service:
        sent = await service.say("hi")
        assert len(sent) >= 2 and labels(sent[-1]) == ["Yes, I agree", "No, thanks"], sent
        pieces = [m["content"] for m in sent]
        assert all(len(p) <= 2000 and p.count("`") % 2 == 0 for p in pieces), pieces
        assert any(COMMAND in p for p in pieces), pieces
        words = intro.split()
        assert " ".join(" ".join(p.split()) for p in pieces).startswith(" ".join(words)), "no word cut"
