"""The settings of the ranking stage: what the reader cares about, and a per-day budget."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationInfo, field_validator

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
    # Days after which a profile paper weighs half as much as the newest (by Zotero's date added;
    # rank/recency.py); 0 weighs every profile paper the same.
    profile_half_life: float = setting(365.0, ge=0, le=36_500)
    # Seconds one embeddings request may take in all (headers and body), apart from the chat
    # timeout: a hanging endpoint costs this once, then the run ranks by words.
    embedding_timeout: float = setting(60.0, gt=0, le=900)
    # A profile read from a Zotero library (Web API v3, or the desktop's local API at
    # http://localhost:23119/api with user 0 and no key).
    zotero_user: str | None = setting(None)
    zotero_group: str | None = setting(None)
    zotero_key: Secret | None = setting(None)
    zotero_collection: str | None = setting(None)
    zotero_api: URL = setting("https://api.zotero.org")

    @field_validator("profile")
    @classmethod
    def _profile_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file (arXiv ids one a line, BibTeX or Zotero CSV)")
        return value

    @field_validator("zotero_user", "zotero_group")
    @classmethod
    def _zotero_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if not value.strip().isdigit():
            raise ValueError(
                f"must be the library's number (zotero.org/settings/keys), got {value!r}"
            )
        if info.field_name == "zotero_group" and info.data.get("zotero_user"):
            raise ValueError("set SUMMARIZER_ZOTERO_USER or SUMMARIZER_ZOTERO_GROUP, not both")
        return value.strip()

    @field_validator("zotero_key", "zotero_collection")
    @classmethod
    def _zotero_library_named(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and not (
            info.data.get("zotero_user") or info.data.get("zotero_group")
        ):
            raise ValueError("needs SUMMARIZER_ZOTERO_USER or SUMMARIZER_ZOTERO_GROUP")
        if info.field_name == "zotero_collection" and value is not None:
            if not re.fullmatch(r"[A-Z0-9]{8}", value.strip()):
                raise ValueError(f"must be a collection key of 8 letters and digits, got {value!r}")
            return value.strip()
        return value

    @property
    def zotero_library(self) -> str | None:
        """`users/<id>` or `groups/<id>`, when a Zotero library is set."""
        if self.zotero_user:
            return f"users/{self.zotero_user}"
        return f"groups/{self.zotero_group}" if self.zotero_group else None

    @property
    def relevance_set(self) -> bool:
        """Whether any relevance setting is given (without one, digests stay as they were)."""
        return bool(
            self.keywords
            or self.authors
            or self.profile
            or self.zotero_library
            or self.embedding_model
            or self.top
        )
