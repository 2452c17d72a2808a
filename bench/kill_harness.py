"""Kill-at-random: `interviewer chat` is started, answered and SIGKILLed over and over until each scripted
participant has finished an interview; then what was printed is checked against the database.

- lost: a message the terminal accepted (stored in the inbox) that was never processed, or a reply that
  was never printed (every outbox row must end sent, superseded or cancelled; every sent row printed);
- out of order / stale: anything printed other than the participant's sent replies in outbox order (a
  reply the conversation had moved past would show up here if it were printed late);
- duplicate: a reply printed twice. The one window no terminal or chat platform can close: the process
  died after the message was shown (posted) and before it was recorded as sent. It is shown again, once,
  as the first thing the next session prints, never after a later message.

`python -m bench.kill_harness [KILLS]` runs it (200 kills in `make bench`); a test runs a few.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from adapters.console import ConsoleSender
from bot.interview.locales import ENGLISH
from bot.messages import Address, Choice, Outbound

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "interviewer"
STUDY = "teachers"
# what the terminal adds itself, in the English study's language
PROMPT, RESHOWN = f"{ENGLISH.data_you}: ", ENGLISH.reshown
CLOSED = f"\n{ENGLISH.input_closed}\n"
ANSWERS = (
    "I plan lessons with it, mostly worksheets, and then rewrite half of what it suggests.",
    "Not sure.",
    "Marking stays with me; I only let it draft feedback comments that I then edit.",
    "Some colleagues use it every day, others refuse to touch it.",
)


@dataclass
class Figures:
    kills: int = 0
    runs: int = 0
    participants: int = 0
    completed: int = 0
    lines_typed: int = 0
    stored: int = 0  # participant messages the terminal accepted (inbox rows)
    lost: int = 0  # accepted but never processed, or replies that were never printed
    set_aside: int = 0
    unsent: int = 0  # outbox rows left pending or sending
    sent: int = 0
    superseded: int = 0  # replies the conversation moved past before they went out: dropped, not late
    duplicates: int = 0
    out_of_order: int = 0  # printed text that is not the next sent reply (late, stale or reordered)
    partial: int = 0  # a reply cut off by the kill mid-print, shown whole by the next session
    reshown: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (
            f"{self.kills} SIGKILLs over {self.runs} starts of `interviewer chat`, {self.participants} "
            f"participants ({self.completed} finished their interview), {self.lines_typed} lines typed, "
            f"{self.stored} messages stored, {self.sent} replies sent: lost {self.lost}, out of order or "
            f"stale {self.out_of_order}, set aside {self.set_aside}, left unsent {self.unsent}, duplicates "
            f"{self.duplicates} (each the last reply before a kill, shown again first), dropped as "
            f"superseded {self.superseded}, cut off mid-print {self.partial}, re-shown on resume "
            f"{self.reshown}; {self.seconds:.0f} s"
        )


class Run:
    """One `interviewer chat` process: its output, read by a thread as it comes."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path):
        self.proc = subprocess.Popen(
            [str(BIN), "chat", "--study", STUDY, "--as", name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.out = b""
        self.err = b""
        self._answered_at = 0  # output length when a line was last typed: wait for more than that
        self._lock = threading.Lock()
        threading.Thread(target=self._pump, args=(self.proc.stdout, "out"), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, "err"), daemon=True).start()

    def _pump(self, stream, which: str) -> None:  # type: ignore[no-untyped-def]
        while chunk := os.read(stream.fileno(), 65536):
            with self._lock:
                setattr(self, which, getattr(self, which) + chunk)

    @property
    def text(self) -> str:
        with self._lock:
            return self.out.decode("utf-8", "replace")

    def wait_for_prompt(self, timeout: float = 60) -> bool:
        """True once the chat waits for input again (after what was typed last); False if it ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text
            if text.endswith(PROMPT) and len(text) > self._answered_at:
                return True
            if self.proc.poll() is not None:
                time.sleep(0.05)  # let the reader threads drain
                return False
            time.sleep(0.005)
        return False

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self._answered_at = len(self.text)
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        time.sleep(0.02)

    def close(self, timeout: float = 60) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=timeout)
        time.sleep(0.05)


def _last_block(text: str) -> str:
    return text.rpartition(f"\n{ENGLISH.data_interviewer}: ")[2]


def _reply(block: str, n: int) -> str:
    """What the scripted participant types to the message on screen."""
    if "  [1] " in block:
        return "1"
    return ANSWERS[n % len(ANSWERS)]


def _finished(text: str) -> bool:
    block = _last_block(text)
    return "that's everything" in block or "Stopped." in block


def _participant(
    name: str, env: dict[str, str], cwd: Path, rng: random.Random, figures: Figures, budget: int
):
    """Drive one participant to the end of the interview, killing at random `budget` times at most."""
    outputs: list[tuple[str, bool]] = []  # (what the run printed, whether it was killed)
    typed = 0
    kills_left = budget
    while True:
        run = Run(name, env, cwd)
        figures.runs += 1
        if kills_left > 0 and rng.random() < 0.1:  # killed while starting up
            time.sleep(rng.uniform(0, 1.0))
            run.kill()
            figures.kills, kills_left = figures.kills + 1, kills_left - 1
            outputs.append((run.text, True))
            continue
        waiting = run.wait_for_prompt()
        if kills_left <= 0:  # the last session: answer until the interview ends
            while waiting:
                run.type(_reply(_last_block(run.text), typed))
                typed += 1
                waiting = run.wait_for_prompt()
            run.close()
            outputs.append((run.text, False))
            break
        if not waiting:
            run.close()
            outputs.append((run.text, False))
            if _finished(run.text):
                break
            continue
        for _ in range(rng.choice((1, 1, 1, 2, 3))):  # sometimes several lines in quick succession
            run.type(_reply(_last_block(run.text), typed))
            typed += 1
            if "  [1] " in _last_block(run.text):
                break
        _wait_to_kill(run, rng)
        if run.proc.poll() is None:
            run.kill()
            figures.kills, kills_left = figures.kills + 1, kills_left - 1
            outputs.append((run.text, True))
        else:
            outputs.append((run.text, False))
            if _finished(run.text):
                break
    figures.lines_typed += typed
    return outputs


def _wait_to_kill(run: Run, rng: random.Random) -> None:
    """When to kill after typing: at once (while the line is stored or processed), the moment a reply
    appears (between showing it and recording it as sent: the duplicate window), or a little later."""
    mode = rng.random()
    if mode < 0.2:
        return
    if mode < 0.6:
        before, deadline = len(run.out), time.monotonic() + 5
        while len(run.out) == before and time.monotonic() < deadline and run.proc.poll() is None:
            time.sleep(0.0002)
        return
    time.sleep(rng.uniform(0, 0.3))


def _rendered(rows: list[tuple[str, str, str | None]]) -> list[str]:
    """Each sent reply exactly as the terminal prints it."""
    blocks = []
    for text, choices, _ in rows:
        import json

        out = io.StringIO()
        sender = ConsoleSender(out)
        pairs = tuple(Choice(label, value) for label, value in json.loads(choices))
        sender._print(Outbound(key="", to=Address("console", "local", ""), text=text, choices=pairs))
        blocks.append(out.getvalue())
    return blocks


def _check(outputs: list[tuple[str, bool]], expected: list[str], figures: Figures, name: str) -> None:
    """Walk what each run printed against the sent replies in order (see the module docstring)."""
    i = 0
    for printed, killed in outputs:
        text = printed.replace(PROMPT, "").replace(CLOSED, "")
        pos, start = 0, True
        while pos < len(text):
            if text.startswith("\n" + RESHOWN, pos):  # re-shown on resume: the last reply, not a send
                pos += len(RESHOWN) + 1
                if i > 0 and text.startswith(expected[i - 1], pos):
                    pos += len(expected[i - 1])
                    figures.reshown += 1
                    continue
            if (
                start
                and i > 0
                and text.startswith(expected[i - 1], pos)
                and not (i < len(expected) and text.startswith(expected[i], pos))
            ):
                pos += len(expected[i - 1])  # shown before the kill, recorded after: the one window
                figures.duplicates += 1
                continue
            start = False
            if i < len(expected) and text.startswith(expected[i], pos):
                pos += len(expected[i])
                i += 1
                continue
            rest = text[pos:]
            if killed and i < len(expected) and expected[i].startswith(rest):
                figures.partial += 1  # cut off mid-print; the next session shows it whole
                break
            figures.out_of_order += 1
            figures.problems.append(f"{name}: unexpected output {rest[:160]!r} (expected #{i})")
            break
    if i < len(expected):
        figures.lost += len(expected) - i
        figures.problems.append(f"{name}: {len(expected) - i} sent replies were never printed")


def _database_figures(db: Path, names: list[str], figures: Figures) -> dict[str, list[str]]:
    expected: dict[str, list[str]] = {}
    with sqlite3.connect(db) as conn:
        for name in names:
            inbox = conn.execute(
                "select processed_at, dead_at from inbox where participant_key = ?",
                (f"console:local:{name}",),
            ).fetchall()
            figures.stored += len(inbox)
            figures.lost += sum(1 for processed, _ in inbox if processed is None)
            figures.set_aside += sum(1 for _, dead in inbox if dead is not None)
            rows = conn.execute(
                "select text, choices, status from outbox where platform = 'console' and user_id = ? "
                "order by id",
                (name,),
            ).fetchall()
            figures.unsent += sum(1 for _, _, status in rows if status in ("pending", "sending"))
            figures.superseded += sum(1 for _, _, status in rows if status == "superseded")
            sent = [r for r in rows if r[2] == "sent"]
            figures.sent += len(sent)
            expected[name] = _rendered(sent)
        states = conn.execute("select state from interviews").fetchall()
        figures.completed = sum(1 for (state,) in states if state in ("completed", "stopped"))
    return expected


def run_harness(kills: int, workdir: Path, *, seed: int = 16, per_participant: int = 12) -> Figures:
    """Kill `interviewer chat` `kills` times in all, a new participant after every `per_participant`."""
    rng, figures = random.Random(seed), Figures()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))}
    db = workdir / "kills.db"
    env.update(DATABASE_URL=f"sqlite:///{db}", STUDIES_DIR=str(ROOT / "studies"), PSEUDONYM_KEY="kills")
    env.update(COALESCE_SECONDS="2")
    started = time.monotonic()
    names: list[str] = []
    printed: dict[str, list[tuple[str, bool]]] = {}
    while figures.kills < kills:
        name = f"p{len(names) + 1:03d}"
        names.append(name)
        budget = min(per_participant, kills - figures.kills)
        printed[name] = _participant(name, env, workdir, rng, figures, budget)
    figures.participants = len(names)
    expected = _database_figures(db, names, figures)
    for name in names:
        _check(printed[name], expected[name], figures, name)
    figures.seconds = time.monotonic() - started
    return figures


async def main(kills: int = 200) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        figures = await asyncio.to_thread(run_harness, kills, Path(tmp))
    print("kill harness (interviewer chat, SIGKILL at random):")
    print("  " + figures.text())
    for problem in figures.problems[:10]:
        print("  problem: " + problem)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
