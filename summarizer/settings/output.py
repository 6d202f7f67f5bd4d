"""Where a run's files live: the output directory every stage writes under and reads from, and
the SQLite store in it. The one group kept beside the machinery rather than in a stage, because
it is no stage's: publishing writes there, delivery and the site read there, the batch engine
keeps its files there and the store lives there. In the lowest layer every one of them may import
it without reaching into another stage, and without the store's folder importing the settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from .group import Group, setting
from .kinds import UserPath


class OutputSettings(Group):
    dir: UserPath = setting(Path("outputs"), env="SUMMARIZER_OUTPUT_DIR", flag="--out")
    cache: UserPath | None = setting(None)

    @field_validator("dir")
    @classmethod
    def _a_directory(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} exists and is not a directory")
        return value

    @field_validator("cache")
    @classmethod
    def _a_file(cls, value: Path | None) -> Path | None:
        if value is not None and value.is_dir():
            raise ValueError(f"{value} is a directory; name the SQLite file")
        return value

    @property
    def cache_path(self) -> Path:
        return self.cache or self.dir / "summarizer.sqlite3"
