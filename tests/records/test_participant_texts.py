"""The language an adapter writes its own notes in when it knows no study (a Discord click, a Slack
message rendered with numbered options): that of the interview the button belongs to, else of the
participant's newest interview, else English. On SQLite and PostgreSQL (the query orders by a CASE)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from bot.interview.locales import ENGLISH, texts_for
from bot.messages import Address
from bot.records.overview import participant_texts
from bot.storage.models import Interview
from tests.support.helpers import Console, settings_for, start_runtime, write_study

GERMAN = texts_for("de")


async def test_the_buttons_interview_then_the_newest_then_english(database_url: str, tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)  # pilot-study, English
    write_study(studies, id="werkzeuge", title="Werkzeuge", language="de")
    async with start_runtime(settings_for(database_url, studies)) as runtime:
        engine = runtime.engine
        first = Console(runtime, "werkzeuge", name="mara")  # her first interview: German, stopped
        await first.session.open()
        await first.say("stop")
        second = Console(runtime, "pilot-study", name="mara")  # her newest: English
        await second.session.open()  # shows the German study's last message again
        await second.say("start")
        await Console(runtime, "werkzeuge", name="jan").session.open()
        async with engine.store.session() as s:
            german, english, jans = (await s.exec(select(Interview.id).order_by(col(Interview.id)))).all()

        mara, nobody = Address("console", "local", "mara"), Address("console", "local", "nobody")
        assert await participant_texts(engine.store, engine.catalog, mara) is ENGLISH, "the newest"
        assert await participant_texts(engine.store, engine.catalog, mara, german) is GERMAN
        assert await participant_texts(engine.store, engine.catalog, mara, english) is ENGLISH
        assert await participant_texts(engine.store, engine.catalog, mara, jans) is ENGLISH, (
            "another's interview names nothing: her newest"
        )
        jan = Address("console", "local", "jan")
        assert await participant_texts(engine.store, engine.catalog, jan, 10_000) is GERMAN
        assert await participant_texts(engine.store, engine.catalog, nobody) is ENGLISH
        assert await participant_texts(engine.store, engine.catalog, nobody, german) is ENGLISH
