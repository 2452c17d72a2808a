"""Files sent to the bot on Discord: it reads text only, keeps no file and no link to one, and says so
kindly, with the consent question on first contact and instead of taking a bare file as an answer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.test_discord import MEMBER, discord_service, labels


async def test_a_file_without_words_is_neither_read_nor_kept_and_the_participant_is_told(
    tmp_path: Path,
) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await fake.say(MEMBER, "", attachments=1)
        note, consent = await service.settled(MEMBER, 0)
        assert "I can only read text, so I have not opened or kept the file" in note["content"], note
        assert labels(consent) == ["Yes, I agree", "No, thanks"], consent
        for label in ("Yes, I agree", "Yes, you may"):
            await service.click(label)
        [question] = await service.click("Designer")
        assert question["content"].startswith("Which tasks"), question
        before = len(service.inbox())
        await fake.say(MEMBER, "", attachments=2)
        [answer] = await service.settled(MEMBER, before)
        assert answer["content"].startswith("Thank you for sending that. I can only read text"), answer
        assert service.inbox()[-2]["content"].startswith("Which tasks"), "the question still stands"
    db = sqlite3.connect(tmp_path / "bot.db")
    stored = " ".join(str(row) for row in db.execute("select * from inbox"))
    assert "cdn.invalid" not in stored and "file0.png" not in stored, "no file name or link is kept"
    assert "cdn.invalid" not in service.bot.log
