"""`mydata`: a participant's own copy of everything the study holds from them, as chat messages."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, or_, select

from bot.storage.models import (
    ConsentRecord,
    InboxRow,
    Interview,
    Participant,
    ScreeningAnswer,
    SurveyAnswer,
    Turn,
)

OWN_DATA_PIECE = 3500  # characters per message; adapters split further if their platform needs it
NOTHING_HELD = "We hold nothing you told us in this study."
CONSENT_LABEL = {"participation": "Your consent to take part", "release": "Your consent to publication"}


async def _blocks(session: Any, interview: Interview) -> list[str]:
    """One interview's turns, answers and consent answers, unredacted (it is their own data)."""
    iid = interview.id
    turns = (await session.exec(select(Turn).where(Turn.interview_id == iid).order_by(col(Turn.seq)))).all()
    screening = (await session.exec(select(ScreeningAnswer).where(ScreeningAnswer.interview_id == iid))).all()
    survey = (await session.exec(select(SurveyAnswer).where(SurveyAnswer.interview_id == iid))).all()
    consent = (await session.exec(select(ConsentRecord).where(ConsentRecord.interview_id == iid))).all()
    blocks = [f"{'Interviewer' if t.role == 'interviewer' else 'You'}: {t.text}" for t in turns]
    blocks += [f"Your answer to `{a.question_id}`: {a.value}" for a in screening]
    blocks += [f"Your survey answer `{a.item_id}`: {a.value}" for a in survey]
    blocks += [f"{CONSENT_LABEL.get(c.kind, c.kind)}: {'yes' if c.granted else 'no'}" for c in consent]
    return blocks


async def own_data_messages(session: Any, interview: Interview) -> list[str]:
    """Everything held from this participant in this interview's study (every interview of theirs in
    it), as chat messages of at most `OWN_DATA_PIECE` characters."""
    interviews = (
        await session.exec(
            select(Interview)
            .where(
                Interview.participant_id == interview.participant_id,
                Interview.study_id == interview.study_id,
                col(Interview.erased_at).is_(None),
            )
            .order_by(col(Interview.id))
        )
    ).all()
    blocks: list[str] = []
    for n, one in enumerate(interviews, start=1):
        found = await _blocks(session, one)
        if found and len(interviews) > 1:
            found.insert(0, f"Interview {n} of {len(interviews)}, started {one.created_at:%Y-%m-%d}:")
        blocks += found
    participant = await session.get(Participant, interview.participant_id)
    blocks += await _set_aside(session, interview.study_id, participant)
    kept = _kept_for_every_study(participant)
    if not blocks:
        return _pieces([NOTHING_HELD, *kept])
    blocks += kept
    head = f"Your data in study `{interview.study_id}` (your code {interview.participant_code}):"
    blocks = [head, *blocks, "Type `withdraw` to delete all of this."]
    return _pieces(blocks)


async def _set_aside(session: Any, study_id: str, participant: Participant | None) -> list[str]:
    """Messages of theirs in this study that could not be processed and wait in `interviewer db problems`
    (a set-aside message keeps its text until it is retried or erased)."""
    if participant is None:
        return []
    rows = (
        await session.exec(
            select(InboxRow)
            .where(
                InboxRow.platform == participant.platform,
                InboxRow.workspace == participant.workspace,
                InboxRow.user_id == participant.user_id,
                col(InboxRow.dead_at).is_not(None),
                or_(col(InboxRow.study_id) == study_id, col(InboxRow.study_id).is_(None)),
            )
            .order_by(col(InboxRow.id))
        )
    ).all()
    return [f"A message of yours we could not process yet: {r.text}" for r in rows if r.text]


def _kept_for_every_study(participant: Participant | None) -> list[str]:
    """What is kept about them outside any one study: the time zone messages are timed by."""
    if participant is None or not participant.timezone:
        return []
    where = "you chose it" if participant.timezone_chosen else f"from your {participant.platform} profile"
    return [f"Kept for timing messages in any study: your time zone, {participant.timezone} ({where})."]


def _pieces(blocks: list[str]) -> list[str]:
    """Blocks joined into messages of at most `OWN_DATA_PIECE` characters; a huge block is cut."""
    pieces, current = [], ""
    for block in blocks:
        while len(block) > OWN_DATA_PIECE:  # one enormous turn: cut it into fixed slices
            if current:
                pieces.append(current)
                current = ""
            pieces.append(block[:OWN_DATA_PIECE])
            block = block[OWN_DATA_PIECE:]
        if current and len(current) + 2 + len(block) > OWN_DATA_PIECE:
            pieces.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    if current:
        pieces.append(current)
    return pieces
