"""Slack rendering: mrkdwn escaping, message splitting, Block Kit buttons and the App Home view."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.interview.locales import ENGLISH, texts_for
from bot.interview.prompts import is_not_now
from bot.interview.texts import NOT_NOW, Texts
from bot.messages import ANSWERED, Choice, Outbound
from bot.records.overview import InterviewSummary

SECTION_LIMIT = 3000  # characters in one section block's text; we split messages at this length too
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
HOME_LIMIT = 40  # interviews listed on the Home tab (a view holds at most 100 blocks)
HOME_TITLE_LIMIT = 300  # characters of a study title on the Home tab: escaped, at most 1,500
CHOICE_ACTION = "interviewer_choice_"  # + index of the choice
TAKE_PART_ACTION = "interviewer_take_part"  # invitation button; its value is the study id
NOT_NOW_ACTION = "interviewer_not_now"  # the invitation's "Not now" button; its value is the study id
CHOICE_ACTION_PATTERN = re.compile(r"^interviewer_choice_\d+$")
TAKE_PART_ACTION_PATTERN = re.compile(r"^interviewer_take_part(_\d+)?$")
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def escape(text: str) -> str:
    """Make text safe for mrkdwn: no accidental mentions, links or broadcasts (`<!channel>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ESCAPED_CHANNEL = re.compile(r"&lt;#([CG][A-Z0-9]{2,})&gt;")


def escape_reply(text: str) -> str:
    """`escape`, but a channel reference a command names (`<#C123>`) stays a link to the channel; user
    mentions and broadcasts stay escaped."""
    return _ESCAPED_CHANNEL.sub(r"<#\1>", escape(text))


def plain_text(mrkdwn: str) -> str:
    """What a participant typed, from Slack's wire format: links unwrapped, entities decoded."""

    def unwrap(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if label:
            return label
        return target.removeprefix("mailto:")

    text = _LINK.sub(unwrap, mrkdwn)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut escaped text into pieces of at most `limit` characters, at paragraph, line, sentence or word
    boundaries where possible; never inside an `&amp;`-style entity."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "? ", "! ", " "):
            at = window.rfind(sep)
            if at >= limit // 3:
                cut = at + len(sep)
                break
        if cut <= 0:
            cut = limit
            amp = window.rfind("&", limit - 6)
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [p for p in pieces if p] or ["…"]


def encode_choice(message: Outbound, choice: Choice) -> str:
    return json.dumps(
        {"i": message.interview_id, "p": message.prompt, "v": choice.value},
        separators=(",", ":"),
        ensure_ascii=False,
    )


@dataclass(frozen=True)
class Clicked:
    interview_id: int | None
    prompt: str | None
    value: str


def decode_choice(value: str) -> Clicked | None:
    """The interview, prompt and value a choice button carries; None for a value we did not make."""
    try:
        data = json.loads(value)
        interview_id = data["i"]
        if interview_id is not None and not isinstance(interview_id, int):
            return None
        return Clicked(interview_id, data["p"], str(data["v"]))
    except (ValueError, TypeError, KeyError):
        return None


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_TEXT_LIMIT else text[: BUTTON_TEXT_LIMIT - 1] + "…"


def _buttons(message: Outbound) -> list[dict[str, Any]] | None:
    """Button elements for the message's choices, or None when a value would not fit in a button."""
    buttons = []
    for n, choice in enumerate(message.choices):
        if message.prompt == "start" and is_not_now(choice.value):
            action_id, value = NOT_NOW_ACTION, choice.value.removeprefix(NOT_NOW)
        elif message.prompt == "start":
            action_id = TAKE_PART_ACTION + (f"_{n}" if n else "")
            value = choice.value
        else:
            action_id, value = f"{CHOICE_ACTION}{n}", encode_choice(message, choice)
        if len(value) > BUTTON_VALUE_LIMIT:
            return None
        buttons.append(
            {
                "type": "button",
                "action_id": action_id,
                "text": {"type": "plain_text", "text": _label(choice.label), "emoji": True},
                "value": value,
            }
        )
    if message.prompt in ("consent", "start") and buttons:
        buttons[0]["style"] = "primary"
    return buttons


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@dataclass(frozen=True)
class Post:
    """One chat.postMessage: the notification/fallback text and, for the last piece, the blocks."""

    text: str
    blocks: list[dict[str, Any]] | None = None


def numbered(message: Outbound) -> bool:
    """Whether `message`'s choices are shown as numbered options: a value too long for a button."""
    return bool(message.choices) and _buttons(message) is None


def render(message: Outbound, texts: Texts = ENGLISH) -> list[Post]:
    """The posts that make up one outbound message; buttons ride on the last one. `texts` (the
    participant's language) say how to answer numbered options, the one text of Slack's own here."""
    pieces = split_text(escape(message.text))
    posts = [Post(p) for p in pieces[:-1]]
    last = pieces[-1]
    if not message.choices:
        return [*posts, Post(last)]
    buttons = _buttons(message)
    if buttons is None:  # too long for buttons: numbered options the person can type instead
        options = "\n".join(f"{n}. {escape(c.label)}" for n, c in enumerate(message.choices, 1))
        return [*posts, Post(f"{last}\n\n{options}\n_{escape(texts.reply_with_number)}_")]
    blocks = [section(last), {"type": "actions", "block_id": "interviewer_choices", "elements": buttons}]
    return [*posts, Post(last, blocks)]


def answered(message: Outbound, label: str, note: str = ANSWERED) -> Post:
    """The replacement for a choice message once it was answered: its text and the answer, no buttons."""
    last = split_text(escape(message.text))[-1]
    shown = f"{escape(note)}: *{escape(label)}*"
    return Post(
        last,
        [section(last), {"type": "context", "elements": [{"type": "mrkdwn", "text": shown}]}],
    )


def _date(moment: Any) -> str:
    # Slack renders the date in the viewer's own time zone; the text after | is the fallback.
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%Y-%m-%d}>"


def _shortened(title: str, limit: int = HOME_TITLE_LIMIT) -> str:
    """A title cut at a word to `limit` characters with an ellipsis: a study title may hold 4,000, and
    escaped it must fit one section with the status line (SECTION_LIMIT)."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0] or title[: limit - 1]
    return cut.rstrip() + "…"


def home_view(interviews: Sequence[InterviewSummary]) -> dict[str, Any]:
    """The App Home tab: the participant's interviews and how to stop or withdraw, in the language of
    their newest interview's study (English when they have none)."""
    texts = texts_for(interviews[0].language if interviews else "en")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": texts.home_title}}
    ]
    if not interviews:
        blocks.append(section(texts.home_empty))
    for item in interviews[:HOME_LIMIT]:
        line = texts.home_line.format(status=escape(item.status), started=_date(item.started_at))
        if item.completed_at is not None:
            line += texts.home_completed.format(completed=_date(item.completed_at))
        blocks.append(section(f"*{escape(_shortened(item.title))}*\n{line}"))
    if len(interviews) > HOME_LIMIT:
        blocks.append(section(texts.home_more.format(count=len(interviews) - HOME_LIMIT)))
    return {"type": "home", "blocks": [*blocks, {"type": "divider"}, section(texts.home_data)]}
