"""Plan versions: approve the version a study file is at, list versions, and diff two of them.

A version is a `StudyVersion` row, recorded whenever a study's content hash is new (`Catalog.register`).
Approving stamps that row with who and when; editing the file afterwards makes a new, unapproved version
and both stay in the database.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlmodel import col, select

from bot.messages import utcnow
from bot.storage import Store
from bot.storage.models import StudyVersion
from bot.studies.catalog import Catalog
from bot.studies.study import Study


@dataclass(frozen=True)
class Approval:
    version: StudyVersion
    newly: bool  # False when this version had been approved before


async def record(store: Store, path: Path) -> tuple[Study, StudyVersion]:
    """Record the file's current content as a version (if new) and return that version's row."""
    catalog = Catalog.from_paths([path])
    await catalog.register(store)
    study = catalog.studies()[0]
    current = catalog.current(study.id)
    return study, await version(store, study.id, current.version)


async def version(store: Store, study_id: str, number: int) -> StudyVersion:
    async with store.session() as s:
        row = (
            await s.exec(
                select(StudyVersion).where(StudyVersion.study_id == study_id, StudyVersion.version == number)
            )
        ).first()
    if row is None:
        raise LookupError(
            f"study {study_id!r} has no version {number}; `interviewer plan versions` lists them"
        )
    return row


async def approve(store: Store, path: Path, by: str) -> Approval:
    """Freeze the file's current plan as an approved version."""
    if not by.strip():
        raise ValueError("say who approves: --by NAME")
    study, row = await record(store, path)
    if row.approved_at is not None:
        return Approval(row, newly=False)
    async with store.session() as s:
        fresh = await s.get(StudyVersion, row.id)
        assert fresh is not None
        fresh.approved_by, fresh.approved_at = by.strip(), utcnow()
        s.add(fresh)
    return Approval(await version(store, study.id, row.version), newly=True)


async def versions(store: Store, study_id: str) -> list[StudyVersion]:
    async with store.session() as s:
        return list(
            (
                await s.exec(
                    select(StudyVersion)
                    .where(StudyVersion.study_id == study_id)
                    .order_by(col(StudyVersion.version))
                )
            ).all()
        )


async def is_approved(store: Store, study_id: str, number: int) -> bool:
    try:
        return (await version(store, study_id, number)).approved_at is not None
    except LookupError:
        return False


def _dump(row: StudyVersion) -> list[str]:
    content = {k: v for k, v in row.content.items() if k not in ("researchers", "organizers")}
    return yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100).splitlines(keepends=True)


def diff_versions(old: StudyVersion, new: StudyVersion) -> str:
    """A unified diff of two versions' YAML dumps (empty when they interview people the same way)."""
    return "".join(
        difflib.unified_diff(
            _dump(old),
            _dump(new),
            fromfile=f"{old.study_id} v{old.version} ({_status(old)})",
            tofile=f"{new.study_id} v{new.version} ({_status(new)})",
        )
    )


def _status(row: StudyVersion) -> str:
    if row.approved_at is None:
        return "not approved"
    return f"approved by {row.approved_by} {row.approved_at:%Y-%m-%d %H:%M} UTC"


def describe(row: StudyVersion) -> str:
    return f"v{row.version}  {row.plan_hash[:12]}  {_status(row)}"


def invitation_refusal(study_id: str, version: int) -> str:
    """What an organizer reads when inviting people to a study whose current plan is not approved."""
    return (
        f"Invitations to `{study_id}` are refused: its plan v{version} is not approved yet. A researcher "
        f"approves it with `interviewer plan approve <study file> --by NAME` (see docs/planning.md)."
    )
