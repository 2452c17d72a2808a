"""A participant's own view of their interviews (for Slack's App Home and similar pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from bot.interview.conversation import State
from bot.interview.locales import texts_for
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
