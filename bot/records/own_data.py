"""`mydata`: a participant's own copy of everything the study holds from them, as chat messages."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, or_, select

from bot.interview.texts import Texts
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


async def _blocks(session: Any, interview: Interview, texts: Texts) -> list[str]:
    """One interview's turns, answers and consent answers, unredacted (it is their own data)."""
    iid = interview.id
    turns = (await session.exec(select(Turn).where(Turn.interview_id == iid).order_by(col(Turn.seq)))).all()
    screening = (await session.exec(select(ScreeningAnswer).where(ScreeningAnswer.interview_id == iid))).all()
    survey = (await session.exec(select(SurveyAnswer).where(SurveyAnswer.interview_id == iid))).all()
    consent = (await session.exec(select(ConsentRecord).where(ConsentRecord.interview_id == iid))).all()
    blocks = [
        f"{texts.data_interviewer if t.role == 'interviewer' else texts.data_you}: {t.text}" for t in turns
    ]
    blocks += [texts.data_screening.format(question=a.question_id, value=a.value) for a in screening]
    blocks += [texts.data_survey.format(item=a.item_id, value=a.value) for a in survey]
    labels = {"participation": texts.data_consent_participation, "release": texts.data_consent_release}
    blocks += [
        f"{labels.get(c.kind, c.kind)}: {(texts.yes if c.granted else texts.no).lower()}" for c in consent
    ]
    return blocks


async def own_data_messages(session: Any, interview: Interview, texts: Texts) -> list[str]:
    """Everything held from this participant in this interview's study (every interview of theirs in
    it), as chat messages of at most `OWN_DATA_PIECE` characters, headed in the study's `texts`."""
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
        found = await _blocks(session, one, texts)
        if found and len(interviews) > 1:
            found.insert(
                0, texts.data_interview.format(n=n, total=len(interviews), date=f"{one.created_at:%Y-%m-%d}")
            )
        blocks += found
    participant = await session.get(Participant, interview.participant_id)
    blocks += await _set_aside(session, interview.study_id, participant, texts)
    kept = _kept_for_every_study(participant, texts)
    if not blocks:
        return _pieces([texts.data_nothing_held, *kept])
    blocks += kept
    head = texts.data_head.format(study=interview.study_id, code=interview.participant_code)
    blocks = [head, *blocks, texts.data_withdraw_hint]
    return _pieces(blocks)


async def _set_aside(session: Any, study_id: str, participant: Participant | None, texts: Texts) -> list[str]:
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
    return [texts.data_set_aside.format(text=r.text) for r in rows if r.text]


def _kept_for_every_study(participant: Participant | None, texts: Texts) -> list[str]:
    """What is kept about them outside any one study: the time zone messages are timed by."""
    if participant is None or not participant.timezone:
        return []
    where = texts.data_zone_chosen if participant.timezone_chosen else texts.data_zone_profile
    where = where.format(platform=participant.platform)
    return [texts.data_timezone.format(zone=participant.timezone, where=where)]


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
