"""A scripted participant for demos and smoke tests: answers every kind of question plausibly."""

from __future__ import annotations

import itertools

from bot.messages import Outbound

ANSWERS = (
    "Mostly for drafting. I write a lot of reports, and last week I had it turn my bullet notes from a client "
    "meeting into a first draft, which I then rewrote about half of because the tone was off.",
    "Not sure really.",
    "I keep the judgement calls. Deciding what to recommend to a client is mine; the tool can help me list "
    "options, but I would never send its recommendation without checking every number myself.",
    "It depends on the day.",
    "My team is split. Two colleagues use it openly, one thinks it is cheating, and our manager has not said "
    "anything either way, so people mostly keep quiet about how much they rely on it.",
    "When it works it saves me an hour a day. The frustrating part is when it sounds confident and is wrong; "
    "I caught an invented citation in a summary last month and now I verify everything.",
    "I have had to learn to write clearer instructions and to check sources faster. Writing from a blank page "
    "is a skill I worry I am using less.",
    "I think my role shifts toward reviewing and deciding rather than producing first drafts, which is fine as "
    "long as the judgement part stays with people.",
    "Yes, I think so.",
    "Probably, though it changes quickly.",
)


class ScriptedParticipant:
    """Chooses a reply to each interviewer message: buttons get a fixed sensible choice, questions an answer."""

    def __init__(self) -> None:
        self._answers = itertools.cycle(ANSWERS)

    def reply(self, message: Outbound) -> tuple[str | None, str]:
        """Return (choice value or None, text shown as the participant's turn)."""
        if message.choices:
            values = [c.value for c in message.choices]
            if "yes" in values:
                pick = "yes"
            elif "6" in values:
                pick = "6" if message.prompt and message.prompt.endswith("satisfaction") else "5"
            else:
                pick = values[min(1, len(values) - 1)]
            label = next(c.label for c in message.choices if c.value == pick)
            return pick, label
        if message.prompt and message.prompt.startswith("screen:"):
            return None, "Several times a week, mostly for writing."
        if message.prompt and message.prompt.startswith("survey:"):
            return None, "It felt relaxed, and I liked being able to answer at my own pace."
        return None, next(self._answers)
