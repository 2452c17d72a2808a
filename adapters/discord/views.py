"""How interview messages look on Discord: text cut below the 2,000-character limit, and persistent buttons.

Translation, with no I/O but the buttons' answers to clicks: `split_text`, `sanitize`, the custom_id format and the `discord.ui` items.
A button's custom_id carries everything needed to handle its click (interview, prompt, value), so the
`DynamicItem` classes registered at start-up decode clicks on messages sent before a restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Protocol

import discord

from bot.interview.locales import ENGLISH
from bot.interview.texts import Texts
from bot.messages import ANSWERED, Outbound

MAX_CONTENT = 2000  # Discord's limit for a message's content
CHUNK = 1900  # leaves room for the "You answered" line added to the last chunk later
MAX_LABEL = 80  # Discord's limit for a button label
MAX_CUSTOM_ID = 100  # Discord's limit for a component custom_id
MAX_NONCE = 25  # Discord's limit for a message nonce

# iv: the value is in the id. ix: the value was too long for 100 characters, the id holds its 1-based index.
CHOICE_TEMPLATE = (
    r"(?P<kind>iv|ix):(?P<interview>\d+):"
    r"(?P<prompt>(?:screen|survey):[a-z0-9-]+|[a-z0-9_-]+):(?P<value>.+)"
)
TAKE_PART_TEMPLATE = r"take-part:(?P<study>[a-z0-9][a-z0-9-]{0,62})"
NOT_NOW_TEMPLATE = r"not-now:(?P<study>[a-z0-9][a-z0-9-]{0,62})"
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s")


# ---- text ------------------------------------------------------------------------------------------


def sanitize(text: str) -> str:
    """Defuse @everyone, @here, user and role mentions; `AllowedMentions.none()` is the other guard."""
    return discord.utils.escape_mentions(text)


def split_text(text: str, limit: int = CHUNK) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters, at a paragraph, line, sentence or word end."""
    rest = text.strip()
    pieces: list[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
    if rest:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    window = text[: limit + 1]  # a separator right at the limit still counts
    boundaries = [
        [m.start() for m in re.finditer("\n\n", window)],
        [m.start() for m in re.finditer("\n", window)],
        [m.end() - 1 for m in _SENTENCE_END.finditer(window)],
        [m.start() for m in re.finditer(" ", window)],
    ]
    # a cut inside a markdown code span or block would show its two halves as broken formatting, the
    # backticks in plain sight: such cuts come last, for code longer than a piece
    for outside_code in (True, False):
        candidates = [
            max((cut for cut in cuts if not (outside_code and _in_code(window[:cut]))), default=-1)
            for cuts in boundaries
        ]
        for cut in candidates:  # prefer the strongest boundary that keeps the piece at least half full
            if cut >= limit // 2:
                return cut
        for cut in candidates:
            if cut > 0:
                return cut
    return limit


def _in_code(before: str) -> bool:
    """Whether the text after `before` starts inside a code block (```) or an inline code span (`)."""
    fences = before.count("```")
    return fences % 2 == 1 or before.replace("```", "").count("`") % 2 == 1


def nonce_for(message: Outbound, part: int) -> str:
    """A per-piece nonce from the outbox id, so a resend of the same row is recognised by Discord."""
    base = (
        f"o{message.outbox_id}"
        if message.outbox_id is not None
        else "k" + hashlib.sha256(message.key.encode()).hexdigest()[:18]
    )
    return f"{base}p{part}"[:MAX_NONCE]


def answered_content(chunk: str, label: str, note: str = ANSWERED) -> str:
    """The message with its answer in place of its buttons, within MAX_CONTENT: defusing mentions in
    the label lengthens it, so it is cut again after that if it must be."""
    head = f"{chunk}\n\n**{sanitize(note)}:** "
    shown = sanitize(_short(label, MAX_LABEL))
    return (head + _short(shown, max(MAX_CONTENT - len(head), 1)))[:MAX_CONTENT]


def known_custom_id(custom_id: str) -> bool:
    """Whether a clicked component's custom_id is one of this bot's kinds (a choice, Take part, Not
    now); anything else is a button the bot no longer knows, which still needs an answer."""
    return any(
        re.fullmatch(t, custom_id, re.DOTALL) for t in (CHOICE_TEMPLATE, TAKE_PART_TEMPLATE, NOT_NOW_TEMPLATE)
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- custom ids ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceClick:
    """A decoded choice button: `value` is the Choice.value, or None when only `index` (1-based) fit."""

    interview_id: int | None
    prompt: str
    value: str | None = None
    index: int | None = None


def choice_custom_id(interview_id: int | None, prompt: str, value: str, index: int) -> str:
    custom_id = f"iv:{interview_id or 0}:{prompt}:{value}"
    if len(custom_id) <= MAX_CUSTOM_ID and re.fullmatch(CHOICE_TEMPLATE, custom_id, re.DOTALL):
        return custom_id
    return f"ix:{interview_id or 0}:{prompt}:{index}"


def parse_custom_id(custom_id: str) -> ChoiceClick | None:
    """The click a choice custom_id stands for; None if it is not one of ours."""
    match = re.fullmatch(CHOICE_TEMPLATE, custom_id, re.DOTALL)
    if match is None:
        return None
    interview_id = int(match["interview"]) or None
    if match["kind"] == "iv":
        return ChoiceClick(interview_id, match["prompt"], value=match["value"])
    if match["value"].isdigit():
        return ChoiceClick(interview_id, match["prompt"], index=int(match["value"]))
    return None


def take_part_custom_id(study_id: str) -> str:
    return f"take-part:{study_id}"


# ---- persistent items ------------------------------------------------------------------------------


class ClickHandler(Protocol):
    """What the client behind a button does with a click (implemented by `adapters.discord.client`)."""

    async def choice_clicked(self, interaction: discord.Interaction[Any], click: ChoiceClick) -> None: ...

    async def take_part_clicked(self, interaction: discord.Interaction[Any], study_id: str) -> None: ...

    async def not_now_clicked(self, interaction: discord.Interaction[Any], study_id: str) -> None: ...

    async def stale_clicked(self, interaction: discord.Interaction[Any]) -> None: ...

    def texts_of_study(self, study_id: str) -> Texts: ...


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.compile(CHOICE_TEMPLATE, re.DOTALL)
):
    """One answer to a consent, screening, survey or withdrawal prompt."""

    def __init__(
        self,
        custom_id: str,
        label: str,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ):
        super().__init__(
            discord.ui.Button(
                label=_short(label, MAX_LABEL) or "…", custom_id=custom_id, style=style, disabled=disabled
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChoiceButton:
        return cls(match.string, getattr(item, "label", None) or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        click = parse_custom_id(self.custom_id)
        handler: ClickHandler = interaction.client
        if click is not None:
            await handler.choice_clicked(interaction, click)
        else:  # a choice id that cannot be read: answered all the same (Discord wants it within 3 s)
            await handler.stale_clicked(interaction)


TAKE_PART_LABEL = ENGLISH.take_part  # a channel post's buttons, when the post names none
NOT_NOW_LABEL = ENGLISH.not_now_label


async def stale_click(interaction: discord.Interaction[Any], text: str) -> None:
    """Answer a click on a button the bot cannot read with `text`, only to the clicker: without an initial
    response within 3 seconds Discord shows "This interaction failed"
    (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction)."""
    with contextlib.suppress(discord.HTTPException):
        await interaction.response.send_message(sanitize(text), ephemeral=True)


def _study_texts(interaction: discord.Interaction[Any], study_id: str) -> Texts:
    """The fixed texts of the study a channel post's button names, for a label the clicked button lacks."""
    handler: ClickHandler = interaction.client
    return handler.texts_of_study(study_id)


class TakePartButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TAKE_PART_TEMPLATE):
    """The button under a study's invitation in a channel: starts (or resumes) the interview in DMs."""

    def __init__(self, study_id: str, label: str = TAKE_PART_LABEL):
        super().__init__(
            discord.ui.Button(
                label=_short(label, MAX_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=take_part_custom_id(study_id),
            )
        )
        self.study_id = study_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TakePartButton:
        label = getattr(item, "label", None) or _study_texts(interaction, match["study"]).take_part
        return cls(match["study"], label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: ClickHandler = interaction.client
        await handler.take_part_clicked(interaction, self.study_id)


class NotNowButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NOT_NOW_TEMPLATE):
    """ "Not now" under a channel invitation: answered to the clicker only."""

    def __init__(self, study_id: str, label: str = NOT_NOW_LABEL):
        super().__init__(
            discord.ui.Button(
                label=_short(label, MAX_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"not-now:{study_id}",
            )
        )
        self.study_id = study_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NotNowButton:
        label = getattr(item, "label", None) or _study_texts(interaction, match["study"]).not_now_label
        return cls(match["study"], label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: ClickHandler = interaction.client
        await handler.not_now_clicked(interaction, self.study_id)


def choice_custom_ids(message: Outbound) -> list[str]:
    """One custom_id per choice, unique within the message as Discord requires: two options with the
    same text (a study may repeat one) get index ids instead of two equal value ids."""
    ids: list[str] = []
    for index, choice in enumerate(message.choices, 1):
        custom_id = choice_custom_id(message.interview_id, message.prompt or "", choice.value, index)
        if custom_id in ids or sum(c.value == choice.value for c in message.choices) > 1:
            custom_id = f"ix:{message.interview_id or 0}:{message.prompt or ''}:{index}"
        ids.append(custom_id)
    return ids


def choice_view(message: Outbound) -> discord.ui.View | None:
    """The buttons for `message.choices` (None when it has none). Persistent: no timeout."""
    if not message.choices or message.prompt is None:
        return None
    view = discord.ui.View(timeout=None)
    for custom_id, choice in zip(choice_custom_ids(message), message.choices, strict=True):
        view.add_item(ChoiceButton(custom_id, choice.label))
    return view


def answered_view(message: Outbound, label: str) -> discord.ui.View:
    """The same buttons, disabled, with the chosen one highlighted: a second answer is impossible."""
    view = discord.ui.View(timeout=None)
    for custom_id, choice in zip(choice_custom_ids(message), message.choices, strict=True):
        style = discord.ButtonStyle.success if choice.label == label else discord.ButtonStyle.secondary
        view.add_item(ChoiceButton(custom_id, choice.label, style=style, disabled=True))
    return view


def take_part_view(
    study_id: str, label: str = TAKE_PART_LABEL, not_now: str = NOT_NOW_LABEL
) -> discord.ui.View:
    """A channel invitation's buttons: "Take part" and "Not now" (labelled in the study's language)."""
    view = discord.ui.View(timeout=None)
    view.add_item(TakePartButton(study_id, label))
    view.add_item(NotNowButton(study_id, not_now))
    return view
