"""A participant's own view of their interviews (for Slack's App Home and similar pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from bot.interview.conversation import State
from bot.interview.locales import study_texts, texts_for
from bot.interview.texts import Texts
from bot.messages import Address
from bot.storage import Store
from bot.storage.models import Interview, Participant
from bot.studies.catalog import Catalog


@dataclass(frozen=True)
class InterviewSummary:
    """One interview as its participant may see it: no transcript, only where it stands."""

    study_id: str
    title: str
    state: str
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    language: str = "en"  # the study's: the language the participant reads about it in

    @property
    def status(self) -> str:
        """The state in words a participant understands, in the study's language."""
        try:
            return texts_for(self.language).status(State(self.state))
        except ValueError:
            return self.state.replace("_", " ")


async def participant_overview(store: Store, catalog: Catalog, address: Address) -> list[InterviewSummary]:
    """The participant's interviews, newest first (empty if they never took part)."""
    async with store.session() as s:
        rows = (
            await s.exec(
                select(Interview)
                .join(Participant)
                .where(
                    Participant.platform == address.platform,
                    Participant.workspace == address.workspace,
                    Participant.user_id == address.user_id,
                )
                .order_by(col(Interview.id).desc())
            )
        ).all()
    summaries = []
    for row in rows:
        study = catalog.get(row.study_id)
        summaries.append(
            InterviewSummary(
                study_id=row.study_id,
                title=study.title if study else row.study_id,
                state=row.state,
                started_at=row.created_at,
                updated_at=row.updated_at,
                completed_at=row.completed_at,
                language=study.language if study else "en",
            )
        )
    return summaries


async def participant_texts(
    store: Store, catalog: Catalog, address: Address, interview_id: int | None = None
) -> Texts:
    """The fixed texts for a participant where an adapter knows no study (a click, a rendered message):
    those of the study of their interview `interview_id`, else of their newest interview; English when
    they have none, or its study is not loaded. One indexed read."""
    query = (
        select(Interview.study_id)
        .join(Participant, col(Participant.id) == col(Interview.participant_id))
        .where(
            Participant.platform == address.platform,
            Participant.workspace == address.workspace,
            Participant.user_id == address.user_id,
        )
    )
    if interview_id is not None:  # that interview first, if it is theirs
        query = query.order_by(sa.case((col(Interview.id) == interview_id, 0), else_=1))
    query = query.order_by(col(Interview.id).desc()).limit(1)
    async with store.session() as s:
        study_id = (await s.exec(query)).first()
    return study_texts(catalog.get(study_id) if study_id else None)
