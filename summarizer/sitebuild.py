"""`summarizer site`, `digest --site`, `backfill --site`: from the settings and the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .config import Settings
from .publish.site import SiteReport, build_site
from .store import Store


def site_dir_of(settings: Settings) -> Path:
    return settings.site_dir if settings.site_dir is not None else settings.output_dir / "site"


def publish_site(settings: Settings, *, full: bool = False) -> SiteReport:
    """(Re)build the site from every digested day under the output directory."""
    store = Store(settings.cache_path)
    try:
        placed = store.placed_categories()
    finally:
        store.close()
    return build_site(
        output_dir=settings.output_dir,
        site_dir=site_dir_of(settings),
        categories=settings.categories,
        keywords=settings.keywords,
        site_url=settings.site_url.rstrip("/") if settings.site_url else None,
        placed=placed,
        full=full,
    )


def day_page_url(settings: Settings, day: date) -> str | None:
    """The public address of day `day`'s page (for pushes), when SUMMARIZER_SITE_URL is set."""
    return (
        f"{settings.site_url.rstrip('/')}/days/{day.isoformat()}.html"
        if settings.site_url
        else None
    )
