"""The settings of the publishing stage: which digest files a run writes, and the static site."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..settings.group import Group, setting
from ..settings.kinds import URL, UserPath

# toc: the table-of-contents digest; jekyll: the Jekyll post with 详细解读; all: both.
DigestFormat = Literal["toc", "jekyll", "all"]


class PublishSettings(Group):
    # What `digest` and `backfill` write when --format is not given (a fork's nightly sets it).
    format: DigestFormat = setting("toc")
    site_dir: UserPath | None = setting(None)
    # An absolute http(s) base such as https://user.github.io/repo (links in feeds and pushes).
    site_url: URL | None = setting(None)

    def site_dir_in(self, output_dir: Path) -> Path:
        """Where the site is built: SUMMARIZER_SITE_DIR, else `{out}/site`."""
        return self.site_dir if self.site_dir is not None else output_dir / "site"
