"""Export throughput and memory: 10,000 synthetic interviews written in each format from SQLite.

The interviews are bulk-inserted (12 turns each, with consent, screening and survey rows). Each format is
exported redacted (the default); printed: seconds, interviews per second, file size, and the peak resident
memory during that export with its growth over the memory in use before it (Linux: the kernel's
high-water mark, reset per format). A flat growth as the study gets bigger shows the export streams in
pages instead of holding the study in memory.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from bench.memory import rss_mb, status_mb
from bot.messages import utcnow
from bot.records.export import FORMATS, ExportFilter, export
from bot.storage import Store
from bot.storage.models import ConsentRecord, Interview, Participant, ScreeningAnswer, SurveyAnswer, Turn

INTERVIEWS = int(os.environ.get("EXPORT_BENCH_INTERVIEWS", "10000"))
TURNS = 12
QUESTION = "Could you walk me through the last time you used an AI tool for something that mattered at work?"
ANSWER = (
    "Last Tuesday I asked it to turn my meeting notes into a summary for Sarah Johnson, then I checked "
    "every figure against the spreadsheet because it once invented a number. Mail me at me@example.com."
)


async def populate(store: Store, n: int) -> None:
    now = utcnow()
    async with store.engine.begin() as conn:
        participants = [
            {"platform": "bench", "workspace": "w", "user_id": f"u{i}", "created_at": now} for i in range(n)
        ]
        await conn.execute(insert(Participant), participants)
        await conn.execute(insert(Interview), [_interview(i + 1, now) for i in range(n)])
        for start in range(0, n, 2000):
            ids = range(start + 1, min(start + 2000, n) + 1)
            await conn.execute(insert(Turn), [_turn(i, s, now) for i in ids for s in range(TURNS)])
        consent = {"kind": "participation", "granted": True, "text_hash": "x", "created_at": now}
        await conn.execute(insert(ConsentRecord), [{"interview_id": i + 1, **consent} for i in range(n)])
        screening = {"question_id": "role", "value": "Engineer", "created_at": now}
        await conn.execute(insert(ScreeningAnswer), [{"interview_id": i + 1, **screening} for i in range(n)])
        survey = {"item_id": "satisfaction", "value": "6", "created_at": now}
        await conn.execute(insert(SurveyAnswer), [{"interview_id": i + 1, **survey} for i in range(n)])


def _interview(interview_id: int, now: datetime) -> dict[str, object]:
    return {
        "participant_id": interview_id,
        "study_id": "bench",
        "study_version": 1,
        "plan_hash": "0" * 64,
        "participant_code": f"P-{interview_id - 1:010d}",
        "state": "completed",
        "data": {},
        "interviewer": "offline",
        "pilot": False,
        "created_at": now,
        "updated_at": now,
        "completed_at": now,
    }


def _turn(interview_id: int, s: int, now: datetime) -> dict[str, object]:
    return {
        "interview_id": interview_id,
        "seq": s + 1,
        "role": "interviewer" if s % 2 == 0 else "participant",
        # questions repeat across interviews, as a plan's core questions do; answers never do
        "text": QUESTION if s % 2 == 0 else f"{ANSWER} (That was on day {interview_id}, answer {s}.)",
        "covered": [],
        "flags": [],
        "followups_used": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "created_at": now,
    }


def reset_peak_rss() -> float:
    """Reset the kernel's high-water mark of resident memory (Linux); return the current RSS in MB, or 0."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return 0.0
    return rss_mb()


def peak_rss() -> float:
    return status_mb("VmHWM")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await store.upgrade()
        start = time.perf_counter()
        await populate(store, INTERVIEWS)
        print(f"export: {INTERVIEWS:,} synthetic interviews inserted in {time.perf_counter() - start:.1f} s")
        flt = ExportFilter("bench", group_question="role")
        for fmt in FORMATS:
            out = Path(tmp) / f"out.{fmt}"
            gc.collect()
            base = reset_peak_rss()
            start = time.perf_counter()
            result = await export(store, flt, fmt, out)
            seconds = time.perf_counter() - start
            peak = peak_rss()
            memory = f"peak RSS {peak:5.0f} MB (+{peak - base:4.0f} MB)" if base else "peak RSS n/a"
            print(
                f"  {fmt:<8} {result.interviews:>6,} interviews  {seconds:6.1f} s  "
                f"{result.interviews / seconds:7.0f}/s  file {out.stat().st_size / 1e6:6.1f} MB  {memory}"
            )
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
