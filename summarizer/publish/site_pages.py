"""The site's pages from its templates (Jinja2, autoescaped): a day, the index, the starred page.

Every text from arXiv or the model reaches a page through autoescaping (or the `hl` filter,
which escapes before it marks the site's keywords); data the browser reads sits in attributes,
never in an inline script (the pages' Content-Security-Policy allows the site's own files only).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources
from itertools import groupby
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .day_status import Note
from .site_data import SiteDay

SITE_TITLE = "arXiv 中文每日速递"


@cache
def package_digest() -> str:
    """Changes whenever a template or a static file does, so a new version rebuilds every page."""
    h = hashlib.sha256()
    base = resources.files("summarizer.publish")
    for folder in ("templates/site", "static"):
        for item in sorted(base.joinpath(folder).iterdir(), key=lambda i: i.name):
            h.update(item.name.encode() + b"\0" + item.read_bytes())
    return h.hexdigest()[:16]


def highlighter(keywords: list[str]) -> Any:
    """A filter that escapes text and wraps each keyword found (any case) in <mark>."""
    words = sorted({k for k in keywords if k.strip()}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None

    def highlight(text: object) -> Markup:
        raw = str(text)
        if pattern is None:
            return escape(raw)
        out: list[str] = []
        last = 0
        for match in pattern.finditer(raw):
            out += [str(escape(raw[last : match.start()])), f"<mark>{escape(match.group())}</mark>"]
            last = match.end()
        out.append(str(escape(raw[last:])))
        return Markup("".join(out))

    return highlight


@cache
def environment(keywords: tuple[str, ...]) -> Environment:
    """The template environment (compiled templates are kept in it, so it is made once)."""
    env = Environment(
        loader=PackageLoader("summarizer.publish", "templates/site"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hl"] = highlighter(list(keywords))
    env.globals["site_title"] = SITE_TITLE
    return env


def render_day(
    env: Environment,
    day: SiteDay,
    *,
    previous: str | None,
    following: str | None = None,
    notes: list[Note],
) -> str:
    """A day's page, linked to the day before and the day after (when there are)."""
    return env.get_template("day.html.j2").render(
        day=day, root="../", previous=previous, following=following, notes=notes
    )


def render_index(
    env: Environment,
    *,
    latest: SiteDay | None,
    counts: dict[str, int],
    feed_categories: list[str],
) -> str:
    newest_first = sorted(counts, reverse=True)
    months = [
        (month, [(d, counts[d]) for d in group])
        for month, group in groupby(newest_first, key=lambda d: d[:7])
    ]
    return env.get_template("index.html.j2").render(
        root="",
        latest=latest,
        months=months,
        archive_total=len(newest_first),
        feed_categories=feed_categories,
    )


def render_starred(env: Environment) -> str:
    return env.get_template("starred.html.j2").render(root="")
