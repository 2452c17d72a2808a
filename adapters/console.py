"""Terminal chat: the participant is whoever types at the keyboard (or a scripted participant in demos)."""

from __future__ import annotations

import asyncio
import itertools
import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine
from bot.messages import Address, Inbound, Outbound

CONSOLE = "console"


class ConsoleSender:
    """Prints outbound messages; choices become numbered options the person can type."""

    def __init__(self, out: TextIO = sys.stdout, width: int = 88):
        self.out = out
        self.width = width
        self.sent: list[Outbound] = []
        self._ids = itertools.count(1)

    async def send(self, message: Outbound) -> str:
        self.sent.append(message)
        # One turn is one paragraph: blank lines inside a message become single line breaks.
        lines = [line for line in message.text.split("\n") if line.strip()]
        body = "\n".join(
            textwrap.fill(line, self.width) if len(line) > self.width else line for line in lines
        )
        self.out.write(f"\nInterviewer: {body}\n")
        if message.choices:
            options = "   ".join(f"[{i}] {c.label}" for i, c in enumerate(message.choices, 1))
            self.out.write(f"  {options}\n")
        self.out.flush()
        return f"console-{next(self._ids)}"

    async def mark_answered(self, message_id: str, message: Outbound, answer_label: str) -> None:
        """Nothing to update on a terminal: the typed answer is already on screen."""

    @property
    def last(self) -> Outbound | None:
        return self.sent[-1] if self.sent else None


class ConsoleSession:
    """One participant talking to the engine through the terminal (or through a script)."""

    def __init__(self, engine: Engine, study_id: str, name: str = "you", out: TextIO | None = None):
        self.engine = engine
        self.study_id = study_id
        self.address = Address(CONSOLE, "local", name)
        self.sender = ConsoleSender(out or sys.stdout)
        engine.register_sender(CONSOLE, self.sender)
        self._seq = itertools.count(1)
        self._prefix = f"console:{name}:{id(self)}"

    async def say(self, text: str) -> None:
        """Send one line as the participant; a number answers the last message's buttons."""
        last = self.sender.last
        n = text.strip()
        inbound_args: dict[str, object] = {"text": text}
        if last and last.choices and n.isdigit() and 1 <= int(n) <= len(last.choices):
            choice = last.choices[int(n) - 1]
            inbound_args = {"prompt": last.prompt, "choice": choice.value, "interview_id": last.interview_id}
        inbound = Inbound(
            self.address, f"{self._prefix}:{next(self._seq)}", study_id=self.study_id, **inbound_args
        )  # type: ignore[arg-type]
        await self.engine.receive(inbound)
        await self.engine.drain()

    @property
    def finished(self) -> bool:
        last = self.sender.last
        return bool(last and not last.choices and last.prompt is None and self._ended(last.text))

    @staticmethod
    def _ended(text: str) -> bool:
        return any(
            marker in text
            for marker in (
                "that's everything",
                "Stopped.",
                "has been deleted",
                "chose not to take part",
                "No problem, thank you",
                "end our conversation",
                "has closed",
            )
        )


async def chat(session: ConsoleSession, read: Callable[[str], str] = input) -> None:
    """Interactive loop: read lines until the interview ends or input closes."""
    await session.say("hello")
    while not session.finished:
        try:
            line = await asyncio.to_thread(read, "You: ")
        except (EOFError, KeyboardInterrupt):
            session.sender.out.write(
                "\n(Input closed. Your interview is saved; run the same command to resume.)\n"
            )
            return
        await session.say(line)
