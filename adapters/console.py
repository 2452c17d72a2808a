"""Terminal chat: the participant is whoever types at the keyboard (or a scripted participant in demos).

A terminal session is the only way to reach its participant, so on start it finishes what a killed
session left (unsent replies are shown, unanswered messages answered) and then re-shows the open
question; it never types anything on the person's behalf. Lines pasted together become one turn;
each typed line is answered at once (no quiet window to wait out). Bytes that are not UTF-8 are read
as U+FFFD and the engine normalises the rest. What the terminal writes itself (the speakers' labels,
its notes) is in the language of the session's study.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import itertools
import logging
import os
import re
import sys
import textwrap
import threading
from typing import TextIO

from bot.engine.engine import Engine
from bot.interview.locales import BY_LANGUAGE, ENGLISH, study_texts
from bot.interview.texts import Texts
from bot.messages import ANSWERED, Address, Inbound, Outbound

log = logging.getLogger(__name__)
CONSOLE = "console"
PASTE_GAP = 0.03  # seconds: lines arriving closer together than a person types were pasted together
# what arrow, Home or F keys put into a line read from a terminal ("It does\x1b[D\x1b[AX"): not an answer
# a terminal in line mode keeps at most 4095 bytes of a line (Linux's N_TTY_BUF_SIZE less one) and drops
# the rest before we can read it: a line that long was most likely cut, and the participant is told
TTY_LINE_BYTES = 4094
KEY_SEQUENCE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O[@-~]|[@-Z\\-_])")
# the texts after which an interview asks nothing more, in every language of the bot's fixed texts
ENDINGS = tuple(dict.fromkeys(text for texts in BY_LANGUAGE.values() for text in texts.endings()))


def option_lines(message: Outbound, width: int) -> list[str]:
    """`message`'s choices as "[1] label   [2] label" lines of at most `width` characters, never breaking
    an option between lines (so its number stays beside its label); a label longer than a line wraps."""
    lines: list[str] = []
    open_line = False  # the last line holds whole options only, so another may join it
    for n, choice in enumerate(message.choices, 1):
        option = f"[{n}] {choice.label}"
        if open_line and len(lines[-1]) + 3 + len(option) <= width:
            lines[-1] += f"   {option}"
            continue
        wrapped = textwrap.wrap(option, width, subsequent_indent="    ") or [option]
        lines += wrapped
        open_line = len(wrapped) == 1
    return lines


class ConsoleSender:
    """Prints outbound messages; choices become numbered options the person can type. `texts` are the
    session's study's, for the labels and notes the terminal adds."""

    def __init__(self, out: TextIO = sys.stdout, width: int = 88, texts: Texts = ENGLISH):
        self.out = out
        self.width = width
        self.texts = texts
        self.sent: list[Outbound] = []
        self.reshown: Outbound | None = None  # shown again on resume, not sent by this session

    async def send(self, message: Outbound) -> None:
        """Print `message`. A terminal keeps nothing the bot could edit or delete, so there is no id:
        a withdrawal queues no deletions for it (`bot.records.erasure.retract_sent`)."""
        self.sent.append(message)
        self._print(message)

    def reshow(self, message: Outbound) -> None:
        """Show the last message of an earlier session again (nothing is stored or sent)."""
        self.sent.append(message)
        self.reshown = message
        self.out.write(f"\n{self.texts.reshown}")
        self._print(message)

    def _print(self, message: Outbound) -> None:
        # One turn is one paragraph: blank lines inside a message become single line breaks.
        lines = [line for line in message.text.split("\n") if line.strip()]
        body = "\n".join(
            textwrap.fill(line, self.width) if len(line) > self.width else line for line in lines
        )
        self.out.write(f"\n{self.texts.data_interviewer}: {body}\n")
        if message.choices:
            self.out.write("".join(f"  {line}\n" for line in option_lines(message, self.width - 2)))
        self.out.flush()

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        """Nothing to update on a terminal: the typed answer is already on screen."""

    async def delete(self, to: Address, message_id: str) -> None:
        """Nothing to delete: a terminal cannot take back what it printed, and keeps no history of ours."""

    @property
    def last(self) -> Outbound | None:
        return self.sent[-1] if self.sent else None


class ConsoleSession:
    """One participant talking to the engine through the terminal (or through a script)."""

    def __init__(self, engine: Engine, study_id: str, name: str = "you", out: TextIO | None = None):
        self.engine = engine
        self.study_id = study_id
        self.address = Address(CONSOLE, "local", name)
        self.sender = ConsoleSender(out or sys.stdout, texts=study_texts(engine.catalog.get(study_id)))
        engine.register_sender(CONSOLE, self.sender)
        self._seq = itertools.count(1)
        self._prefix = f"console:{name}:{os.getpid()}:{id(self)}"

    async def open(self) -> None:
        """Start or resume: deliver what a killed session left, answer what it left unanswered, then
        re-show the open question; a new participant's interview starts as a "Take part" click would."""
        await self.engine.dispatcher.release_claims(self.address)  # only a dead session holds them
        await self.engine.dispatcher.send_due(self.address)
        await self.engine.catch_up(self.address)
        await self.engine.drain()
        if self.sender.sent:
            return
        last = await self.engine.dispatcher.last_sent(self.address)
        if last is not None:
            self.sender.reshow(last)
            question = await self.engine.dispatcher.open_question(self.address)
            if question is not None:  # e.g. `help` was the last thing said: the question follows it
                self.sender.reshow(question)
            return
        start = self._inbound(prompt="start", choice=self.study_id)
        await self.engine.receive(start, schedule=False)
        await self._process()

    async def say(self, text: str) -> None:
        """Send one line as the participant; a number answers the last message's buttons."""
        await self.say_lines([text])

    async def say_lines(self, lines: list[str]) -> None:
        """Lines typed or pasted together: one line may answer buttons; several become one turn."""
        last = self.sender.last
        n = lines[0].strip() if len(lines) == 1 else ""
        if last and last.choices and n.isdigit() and len(n) < 4 and 1 <= int(n) <= len(last.choices):
            choice = last.choices[int(n) - 1]
            inbounds = [
                self._inbound(prompt=last.prompt, choice=choice.value, interview_id=last.interview_id)
            ]
        else:
            inbounds = [self._inbound(text=line) for line in lines]
        for inbound in inbounds:
            await self.engine.receive(inbound, schedule=False)
        await self._process()

    async def keep_up(self, interval: float) -> None:
        """Deliver what comes due while the person is reading (a reply retried after an outage)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.engine.catch_up(self.address)
            except Exception as exc:  # the database is away for a moment: try again next time
                log.warning("catching up failed: %s", type(exc).__name__)

    def _inbound(
        self,
        text: str = "",
        prompt: str | None = None,
        choice: str | None = None,
        interview_id: int | None = None,
    ) -> Inbound:
        key = f"{self._prefix}:{next(self._seq)}"
        return Inbound(
            self.address,
            key,
            text=text,
            prompt=prompt,
            choice=choice,
            interview_id=interview_id,
            study_id=self.study_id,
        )

    async def _process(self) -> None:
        await self.engine.process(self.address)
        await self.engine.drain()

    @property
    def finished(self) -> bool:
        last = self.sender.last
        if last is None or last is self.sender.reshown:  # an ended interview shown again: `start` is open
            return False
        return not last.choices and last.prompt is None and any(m in last.text for m in ENDINGS)


class TerminalInput:
    """Lines from a file descriptor, as the person sent them: a batch is one typed line, or the lines
    of one paste (on a terminal). Bytes that are not UTF-8 become U+FFFD instead of an error.

    A daemon thread does the blocking reads, so a person who leaves with Ctrl-C never waits on it."""

    def __init__(self, fd: int, *, pasting: bool):
        self.fd = fd
        self.pasting = pasting
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""
        self._lines: list[str] = []
        self._ended = False
        self._chunks: asyncio.Queue[bytes] | None = None

    @classmethod
    def stdin(cls) -> TerminalInput:
        fd = sys.stdin.fileno()
        return cls(fd, pasting=os.isatty(fd))

    def _start(self) -> asyncio.Queue[bytes]:
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes] = asyncio.Queue()

        def pump() -> None:
            while True:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                with contextlib.suppress(RuntimeError):  # the loop closed: the session is over
                    loop.call_soon_threadsafe(chunks.put_nowait, chunk)
                if not chunk:
                    return

        threading.Thread(target=pump, name="terminal-input", daemon=True).start()
        return chunks

    def _take(self, chunk: bytes) -> None:
        if not chunk:
            self._ended = True
            rest = self._partial + self._decoder.decode(b"", final=True)
            if rest:
                self._lines.append(KEY_SEQUENCE.sub("", rest))
            self._partial = ""
            return
        *complete, self._partial = (self._partial + self._decoder.decode(chunk)).split("\n")
        self._lines += [KEY_SEQUENCE.sub("", line.removesuffix("\r")) for line in complete]

    async def next_batch(self) -> list[str] | None:
        """The next line (or pasted lines); None when input has ended."""
        if self._chunks is None:
            self._chunks = self._start()
        while not self._lines and not self._ended:
            self._take(await self._chunks.get())
        if not self._lines:
            return None
        if not self.pasting:
            return [self._lines.pop(0)]
        while not self._ended:  # more lines arriving within the gap belong to the same paste
            try:
                self._take(await asyncio.wait_for(self._chunks.get(), PASTE_GAP))
            except TimeoutError:
                break
        batch, self._lines = self._lines, []
        return batch


async def chat(session: ConsoleSession, lines: TerminalInput | None = None) -> None:
    """Interactive loop: read lines until the interview ends or input closes."""
    lines = lines or TerminalInput.stdin()
    out, texts = session.sender.out, session.sender.texts
    await session.open()
    keeping_up = asyncio.ensure_future(session.keep_up(session.engine.settings.tick_seconds))
    try:
        while not session.finished:
            out.write(f"{texts.data_you}: ")
            out.flush()
            batch = await lines.next_batch()
            if batch is None:
                out.write(f"\n{texts.input_closed}\n")
                return
            if lines.pasting and any(len(line.encode()) >= TTY_LINE_BYTES for line in batch):
                out.write(f"{texts.line_cut}\n")
            await session.say_lines(batch)
    finally:
        keeping_up.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeping_up
