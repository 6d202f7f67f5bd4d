"""`summarizer site`, `digest --site`, `backfill --site`: from the settings and the store."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from ..core.errors import SummarizerError
from ..publish.day_status import run_notes
from ..publish.site import SiteReport, build_site
from ..store.database import Store
from .settings import RunSettings
from .site_dir import check_site_dir, site_folder


def site_dir_of(settings: RunSettings) -> Path:
    return settings.publish.site_dir_in(settings.output.dir)


def check_site_folder(settings: RunSettings) -> None:
    """Refuse (InputError) a site folder a build would refuse, before a run spends anything."""
    check_site_dir(site_dir_of(settings))


class SiteError(SummarizerError):
    """The site could not be written (a disk error, a path that is not a folder)."""

    exit_code = 3


def publish_site(settings: RunSettings, *, full: bool = False, force: bool = False) -> SiteReport:
    """(Re)build the site from every digested day under the output directory, in a folder of
    its own (run.site_dir: another is refused, exit 2, unless `force`)."""
    site_dir = site_dir_of(settings)
    store = Store(settings.output.cache_path)
    try:
        placed = store.placements.categories_by_day()
        with site_folder(site_dir, force=force):
            return build_site(
                output_dir=settings.output.dir,
                site_dir=site_dir,
                categories=settings.sources.categories,
                keywords=settings.rank.keywords,
                site_url=settings.publish.site_url,  # no trailing slash: a URL setting has none
                placed=placed,
                runs=run_notes(store.runs.all()),
                full=full,
            )
    except OSError as exc:
        where = exc.filename or site_dir
        raise SiteError(f"could not build the site: {exc.strerror or exc} ({where})") from None
    except sqlite3.Error as exc:
        raise SiteError(f"could not read the store {settings.output.cache_path}: {exc}") from None
    finally:
        store.close()


def day_page_url(settings: RunSettings, day: date) -> str | None:
    """The public address of day `day`'s page (for pushes), when SUMMARIZER_SITE_URL is set."""
    return (
        f"{settings.publish.site_url.rstrip('/')}/days/{day.isoformat()}.html"
        if settings.publish.site_url
        else None
    )
