"""Who may run a study's commands, and the answers for those who may not: the one study guard.

Every command that names a study goes through `study_access`, so an unknown study, a person named in no
role, and an organizer asking for what only researchers may do get the same answers everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.engine.engine import Engine
from bot.messages import Address
from bot.studies.study import Study

Later = Callable[[str], Awaitable[object]]  # shows one more answer to the command's author only

REFUSAL = (
    "Sorry, only the researchers and organizers named in a study can use this command. "
    "Ask the study's lead researcher to add you ({who})."
)
RESEARCHERS_ONLY = (
    "Organizers can see a study's status and run invitations, but only its researchers can {what}. "
    "If you need to, ask the study's lead researcher to add you ({who}) to `researchers`."
)


class Refused(Exception):
    """A command that may not run; its message is the whole answer. `study` is None when no such study
    exists; `role` is what the actor is in it (None: nothing)."""

    def __init__(self, answer: str, study: Study | None = None, role: str | None = None):
        super().__init__(answer)
        self.study = study
        self.role = role


class UsageError(Exception):
    """Arguments that do not fit the command; the registry adds the command's usage line to the message."""


@dataclass(frozen=True)
class Actor:
    """Who runs a command: their address and their `platform:user_id` as written in study files.
    `later`, when the platform offers it, answers the command again after its reply (Slack's
    response_url, for 30 minutes; a Discord interaction's follow-up, for 15): for work that finishes
    after the reply and must say when it failed."""

    address: Address
    later: Later | None = field(default=None, compare=False)

    @property
    def access_id(self) -> str:
        return f"{self.address.platform}:{self.address.user_id}"


@dataclass(frozen=True)
class Access:
    """A study the actor may run the command on, and their role in it."""

    study: Study
    role: str  # researcher | organizer


def role_in(engine: Engine, study: Study, actor: Actor) -> str | None:
    """'researcher', 'organizer' or None. Workspace admins (ADMINS setting) are researchers everywhere."""
    if actor.access_id in engine.settings.admin_ids or actor.access_id in study.researchers:
        return "researcher"
    if actor.access_id in study.organizers:
        return "organizer"
    return None


def study_access(engine: Engine, actor: Actor, study_id: str, *, researchers_only: str = "") -> Access:
    """The study `study_id` and the actor's role in it. Raises `Refused` for an unknown study (naming only
    the studies the actor may manage), for someone the study names in no role, and, when
    `researchers_only` says what only researchers may do (e.g. "export transcripts"), for its organizers."""
    study = engine.catalog.get(study_id)
    if study is None:
        # only the studies the actor may manage: a stranger's typo must not list everyone's studies
        mine = ", ".join(f"`{s.id}`" for s in engine.catalog.studies() if role_in(engine, s, actor))
        raise Refused(f"There is no study `{study_id}`." + (f" Your studies: {mine}." if mine else ""))
    role = role_in(engine, study, actor)
    if role is None:
        raise Refused(REFUSAL.format(who=actor.access_id), study)
    if researchers_only and role != "researcher":
        raise Refused(RESEARCHERS_ONLY.format(what=researchers_only, who=actor.access_id), study, role)
    return Access(study, role)
