"""The settings of the ranking stage: what the reader cares about, and a per-day budget."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from ..settings.group import Group, setting
from ..settings.kinds import URL, CommaList, Secret, UserPath


class RankSettings(Group):
    """Words, authors and papers the reader follows; embeddings; the top N to summarize."""

    keywords: CommaList = setting([])
    exclude: CommaList = setting([])
    authors: CommaList = setting([])
    profile: UserPath | None = setting(None)
    embedding_model: str | None = setting(None)
    embedding_base_url: URL | None = setting(None)
    # A second provider for embeddings (DeepSeek, say, serves no /v1/embeddings) needs its own key.
    embedding_api_key: Secret | None = setting(None)
    top: int | None = setting(None, gt=0)

    @field_validator("profile")
    @classmethod
    def _profile_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file (arXiv ids one a line, BibTeX or Zotero CSV)")
        return value

    @property
    def relevance_set(self) -> bool:
        """Whether any relevance setting is given (without one, digests stay as they were)."""
        return bool(
            self.keywords or self.authors or self.profile or self.embedding_model or self.top
        )
