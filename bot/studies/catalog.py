"""The studies this bot runs: loaded from files, each plan version frozen in the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import func, select

from bot.errors import StudyError
from bot.messages import utcnow
from bot.storage import Store
from bot.storage.models import StudyVersion, table_of
from bot.studies.study import Study, find_studies, load_study, parse_study
from bot.text_files import printable


@dataclass(frozen=True)
class Current:
    study: Study
    version: int
    plan_hash: str


class Catalog:
    """Studies by id. `current(id)` is the newest version; `at(id, version)` any version ever run."""

    def __init__(self, studies: list[tuple[Study, str]]):
        self._files = {s.id: (s, path) for s, path in studies}
        self._current: dict[str, Current] = {}
        self._versions: dict[tuple[str, int], Study] = {}

    @classmethod
    def from_paths(cls, paths: list[Path]) -> Catalog:
        loaded: list[tuple[Study, str]] = []
        problems: list[str] = []
        seen: dict[str, Path] = {}
        for path in paths:
            try:
                study = load_study(path)
            except StudyError as exc:
                problems.extend(exc.problems)
                continue
            if study.id in seen:
                problems.append(
                    f"{printable(path)}: id: {study.id!r} is already used by {printable(seen[study.id])}; ids must be unique"
                )
                continue
            seen[study.id] = path
            loaded.append((study, str(path)))
        if problems:
            raise StudyError(problems)
        return cls(loaded)

    @classmethod
    def from_dir(cls, directory: Path) -> Catalog:
        paths = find_studies(directory)
        if not paths:
            raise StudyError(
                [f"{printable(directory)}: no study files (*.yaml) found; set STUDIES_DIR or add a study"]
            )
        return cls.from_paths(paths)

    async def register(self, store: Store) -> None:
        """Record each study's plan as a version (a new one whenever its content hash changes).

        Idempotent, also when several workers start at once: the insert does nothing if the version
        is already there, and a version number another worker took for other content moves this one on.
        """
        for study, path in self._files.values():
            version = await _register_version(store, study, path)
            self._current[study.id] = Current(study, version, study.plan_hash)
            self._versions[(study.id, version)] = study

    def ids(self) -> list[str]:
        return sorted(self._files)

    def studies(self) -> list[Study]:
        return [self._files[i][0] for i in self.ids()]

    def get(self, study_id: str) -> Study | None:
        entry = self._files.get(study_id)
        return entry[0] if entry else None

    def current(self, study_id: str) -> Current:
        return self._current[study_id]

    async def at(self, store: Store, study_id: str, version: int) -> Study:
        """The study exactly as it was at `version` (interviews finish under the plan they started with)."""
        key = (study_id, version)
        if key not in self._versions:
            async with store.session() as s:
                row = (
                    await s.exec(
                        select(StudyVersion).where(
                            StudyVersion.study_id == study_id, StudyVersion.version == version
                        )
                    )
                ).one()
            self._versions[key] = parse_study(row.content, f"database:{study_id}@v{version}", stored=True)
        return self._versions[key]


def _insert_ignoring_duplicates(store: Store) -> Any:
    dialect = postgresql if store.is_postgres else sqlite
    return dialect.insert(table_of(StudyVersion)).on_conflict_do_nothing()


async def _register_version(store: Store, study: Study, path: str) -> int:
    """The version number of `study`'s plan, inserted if new. A few tries: each loses only to a worker
    that inserted another plan of the same study with the number this one wanted."""
    plan_hash = study.plan_hash
    mine = select(StudyVersion.version).where(
        StudyVersion.study_id == study.id, StudyVersion.plan_hash == plan_hash
    )
    for _ in range(20):
        async with store.session() as s:
            found = (await s.exec(mine)).first()
            if found is not None:
                return found
            last = (
                await s.exec(select(func.max(StudyVersion.version)).where(StudyVersion.study_id == study.id))
            ).one()
            values = {
                "study_id": study.id,
                "version": (last or 0) + 1,
                "plan_hash": plan_hash,
                "content": study.model_dump(mode="json"),
                "source_path": path,
                "created_at": utcnow(),
            }
            await s.exec(_insert_ignoring_duplicates(store).values(**values))
            found = (await s.exec(mine)).first()
            if found is not None:
                return found
    raise RuntimeError(f"could not record a plan version of study {study.id!r}; start again")
