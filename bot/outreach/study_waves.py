"""The follow-up waves the study files define now, for `interviewer db problems` and `interviewer doctor`.

A wave set aside and then taken out of its study file is nothing to mend: the scheduler plans only the
waves a study file defines, so nobody waits for it. Those two commands leave such a wave, and the members
set aside from it, out of what they list as problems; should the wave come back to the file, it is
listed again (still set aside) until `--retry wave:ID`. A study whose file is missing or does not load
tells nothing about its waves (the bot may run it from another file): its waves stay listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.errors import StudyError
from bot.studies.study import find_studies, load_study


@dataclass(frozen=True)
class StudyWaves:
    """Study id -> the ids of the waves its file defines, for each study file that loads."""

    waves: dict[str, frozenset[str]]

    def removed(self, study_id: str, wave: str) -> bool:
        """The study's file loads and no longer defines the wave."""
        return study_id in self.waves and wave not in self.waves[study_id]


def study_waves(directory: Path) -> StudyWaves:
    """The waves of every loadable study file in `directory` (STUDIES_DIR)."""
    waves: dict[str, frozenset[str]] = {}
    for path in find_studies(directory) if directory.is_dir() else []:
        try:
            study = load_study(path)
        except StudyError:
            continue  # unknown: its waves stay listed
        waves[study.id] = frozenset(wave.id for wave in study.schedule.waves)
    return StudyWaves(waves)
