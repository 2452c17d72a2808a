"""Communities that come and go: when a Slack workspace removes the app, nothing more is sent there."""

from __future__ import annotations

from sqlmodel import col, select, update

from bot.storage import Store
from bot.storage.models import InvitationRow, OutboxRow, Participant

REMOVED = "the app was removed from this workspace; not sent"


async def stop_sending(store: Store, platform: str, workspace: str) -> int:
    """Cancel every message still waiting for a workspace that removed the app, and close its members'
    open invitations so that no reminder is planned for them; returns how many messages were cancelled."""
    async with store.session() as s:
        people = select(Participant.id).where(
            col(Participant.platform) == platform, col(Participant.workspace) == workspace
        )
        await s.exec(
            update(InvitationRow)
            .where(col(InvitationRow.participant_id).in_(people), col(InvitationRow.status) == "open")
            .values(status="closed")
        )
        result = await s.exec(
            update(OutboxRow)
            .where(
                col(OutboxRow.platform) == platform,
                col(OutboxRow.workspace) == workspace,
                col(OutboxRow.status).in_(["pending", "sending"]),
            )
            .values(status="cancelled", error=REMOVED, lease_until=None)
        )
        return int(result.rowcount or 0)


def export_scope(distributed: bool, platform: str, workspace: str) -> tuple[str, str] | None:
    """Whose interviews a researcher's export may hold: on a Slack app installed in several workspaces,
    only their own workspace's participants (each community's data stays with it); else everyone's."""
    return (platform, workspace) if distributed and platform == "slack" else None
