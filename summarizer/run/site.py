"""`summarizer site`, `digest --site`, `backfill --site`: from the settings and the store."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from ..core.errors import SummarizerError
from ..publish.day_status import run_notes
from ..publish.site import SiteReport, build_site
from ..settings.config import Settings
from ..store.database import Store


def site_dir_of(settings: Settings) -> Path:
    return settings.site_dir if settings.site_dir is not None else settings.output_dir / "site"


class SiteError(SummarizerError):
    """The site could not be written (a disk error, a path that is not a folder)."""

    exit_code = 3


def publish_site(settings: Settings, *, full: bool = False) -> SiteReport:
    """(Re)build the site from every digested day under the output directory."""
    site_dir = site_dir_of(settings)
    store = Store(settings.cache_path)
    try:
        placed = store.placed_categories()
        return build_site(
            output_dir=settings.output_dir,
            site_dir=site_dir,
            categories=settings.categories,
            keywords=settings.keywords,
            site_url=settings.site_url.rstrip("/") if settings.site_url else None,
            placed=placed,
            runs=run_notes(store.runs()),
            full=full,
        )
    except OSError as exc:
        where = exc.filename or site_dir
        raise SiteError(f"could not build the site: {exc.strerror or exc} ({where})") from None
    except sqlite3.Error as exc:
        raise SiteError(f"could not read the store {settings.cache_path}: {exc}") from None
    finally:
        store.close()


def day_page_url(settings: Settings, day: date) -> str | None:
    """The public address of day `day`'s page (for pushes), when SUMMARIZER_SITE_URL is set."""
    return (
        f"{settings.site_url.rstrip('/')}/days/{day.isoformat()}.html"
        if settings.site_url
        else None
    )
