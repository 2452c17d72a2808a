"""Slack after downtime: Slack retries an event three times, the last about five minutes after the first
(https://docs.slack.dev/apis/events-api/#retries), then drops it. So at start every open conversation's
DM history after the newest message we stored is read (conversations.history, scope im:history) and fed
through the inbox, keyed like the events themselves: a message both retried and read back is one row.

conversations.history is Tier 3 (50+ calls a minute, pages of up to 999) for internal apps and Marketplace
apps, but 1 call a minute and 15 messages a page for a commercially distributed app not approved for the
Slack Marketplace ("Add to Slack" outside the Marketplace;
https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq and the method's page,
https://docs.slack.dev/reference/methods/conversations.history). So a history of more than one page
meets a 429 at every page after the first: the read keeps its cursor and what it read, waits out the
Retry-After in the background (live events and the scheduler go on meanwhile), and goes on from there.
Messages are fed oldest first once every page is in; where each read-back started is kept until it
finished (`bot.engine.catchup.start_reading`), so a catch-up cut short starts there again next time.

A participant whose history is still unread is not answered (`Engine.hold`): a message they write live
meanwhile is stored and answered with the history, after it, and their history is read next, before the
conversations of people who have not written since the start.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial

from adapters.slack.directory import HistoryPages
from adapters.slack.receive import SLACK, history_inbound
from adapters.slack.web import SlackSender
from bot.engine.catchup import (
    OpenConversation,
    finished_reading,
    open_conversations,
    read_patiently,
    start_reading,
)
from bot.engine.engine import Engine
from bot.messages import Address

log = logging.getLogger(__name__)


def _oldest(conversation: OpenConversation) -> str | None:
    """The ts to read after: where an unfinished read-back started, else their newest stored message
    (keys end in `:{ts}`), else the bot's first message to them."""
    if conversation.unfinished_from:
        return conversation.unfinished_from
    key = conversation.last_message_key or ""
    prefix = f"{SLACK}:{conversation.who.workspace}:D"
    if key.startswith(prefix) and key.count(":") == 3:
        return key.rsplit(":", 1)[1]
    return conversation.first_sent_id


@dataclass
class ReadBack:
    """One conversation's read-back: `read` again after a rate limit goes on from the page it reached."""

    engine: Engine
    sender: SlackSender
    who: Address
    oldest: str
    channel: str = ""
    pages: HistoryPages | None = None
    finished: bool = False

    def progress(self) -> int:
        return 0 if self.pages is None else self.pages.pages

    async def read(self) -> int:
        if self.pages is None:
            self.channel = await self.sender.open_dm(self.who)
            self.pages = self.sender.history_pages(self.who.workspace, self.channel, self.oldest)
        fed = 0
        # stored first, then answered once: however long storing takes, the history is one turn
        for message in await self.pages.messages():
            inbound = history_inbound(self.who.workspace, self.channel, message)
            if (
                inbound is not None
                and inbound.sender == self.who
                and await self.engine.receive(inbound, schedule=False)
            ):
                fed += 1
        self.finished = True
        return fed


def _read_next(waiting: OrderedDict[Address, str], who: Address) -> None:
    """`who` wrote while their history waits to be read: it is read next."""
    if who in waiting:
        waiting.move_to_end(who, last=False)


async def plan_catch_up(engine: Engine) -> list[tuple[Address, str]]:
    """Each open conversation, with the ts its read-back starts after; remembered, and its participant
    held (`Engine.hold`), before anything live is stored (the caller serves Slack's events only after
    this)."""
    starts = {}
    for conversation in await open_conversations(engine.store, SLACK):
        oldest = _oldest(conversation)
        if oldest is not None:
            starts[conversation.who] = oldest
            engine.hold(conversation.who)
    await start_reading(engine.store, SLACK, starts)
    return list(starts.items())


async def catch_up(
    engine: Engine, sender: SlackSender, planned: list[tuple[Address, str]] | None = None
) -> int:
    """Feed the DMs written while the bot was away through the inbox, oldest first, one conversation at a
    time (a short 429 is waited out inside the call, a long one by `read_patiently`). Returns how many
    messages were new."""
    waiting = OrderedDict(await plan_catch_up(engine) if planned is None else planned)
    for who in waiting:
        engine.hold(who, partial(_read_next, waiting, who))
    fed, stopping = 0, False
    try:
        while waiting:
            who, oldest = next(iter(waiting.items()))
            reader = ReadBack(engine, sender, who, oldest)
            fed += await read_patiently(SLACK, reader.read, reader.progress)
            if reader.finished:
                await finished_reading(engine.store, who)
            del waiting[who]
            engine.release(who)
    except asyncio.CancelledError:
        stopping = True  # the next start reads on from where each read-back started
        raise
    finally:
        for who in waiting:  # a stop, or a failure: what waits is answered as it is (not at a stop)
            engine.release(who, answer=not stopping)
    if fed:
        log.info("slack: %d message(s) written while the bot was away were picked up", fed)
    return fed
