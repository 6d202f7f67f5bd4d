"""Where a site may be built: a folder of its own. A build writes and deletes files in its site
folder, so the folder is checked first (issue #24, item 10):

- a new or empty folder is taken;
- a folder the site was built in before (it holds `.summarizer-site`, the list of the files the
  site made) is taken, unless files the site did not make stand where a build writes or deletes
  (its folders `days/ search/ feeds/ static/`, its pages and feeds at the top);
- a folder that is a symbolic link is taken only when the folder it points at is such a site;
- anything else (a folder of other things, a file) is refused with one line (exit 2), unless the
  build is forced (`summarizer site --force`): it then builds there, replacing what stands at its
  own paths, and lists everything at them as its own, so the next build (forced or not) goes
  ahead.

Files of a site folder away from the site's paths (a CNAME, a README) are never written or
deleted. The list is written as a build starts (marked as building) and again as it ends: a
build killed half way leaves a list that makes the files it wrote (newer than the list) its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core.errors import InputError
from ..publish.files import write_atomic
from ..publish.site import MANIFEST

OWN_LIST = ".summarizer-site"
HEADER = "# summarizer site: the files it made; a file not listed is never replaced without --force"
BUILDING = "# building"
# Where a build writes or deletes: these folders, and files at the top with these endings.
SITE_FOLDERS = ("days", "search", "feeds", "static")
SITE_SUFFIXES = (".html", ".xml", ".js", ".css", ".json")
SHOWN = 3  # files named in a refusal


def site_paths(site_dir: Path) -> Iterator[str]:
    """Every file and symbolic link where a build writes or deletes, relative, `/`-separated; a
    linked folder is listed, not entered. Temporary files of an atomic write are left out."""
    for entry in _scandir(site_dir):
        if entry.name in SITE_FOLDERS and entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), entry.name)
        elif (
            entry.name.endswith(SITE_SUFFIXES) or entry.is_symlink() and entry.name in SITE_FOLDERS
        ):
            yield entry.name


def _walk(folder: Path, relative: str) -> Iterator[str]:
    for entry in _scandir(folder):
        path = f"{relative}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), path)
        elif not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            yield path


def _scandir(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name)
    except FileNotFoundError:
        return []


@contextmanager
def site_folder(site_dir: Path, *, force: bool) -> Iterator[None]:
    """Check `site_dir` (raising InputError when it is refused), then around the build keep the
    list of the files the site made."""
    if not force:
        check_site_dir(site_dir)
    site_dir.mkdir(parents=True, exist_ok=True)
    list_path = site_dir / OWN_LIST
    # Files at the site's paths are all its own now (checked, or forced); a killed build's are
    # the ones newer than this list.
    _write_list(list_path, [BUILDING, *site_paths(site_dir)])
    try:
        yield
    finally:
        _write_list(list_path, list(site_paths(site_dir)))


def check_site_dir(site_dir: Path) -> None:
    """Raise InputError (one line, exit 2) when a build without --force refuses `site_dir`."""
    shown = os.fspath(site_dir)
    if site_dir.is_symlink():
        target = os.path.realpath(site_dir)
        if not (site_dir / OWN_LIST).is_file():
            raise InputError(
                f"the site folder {shown} is a symbolic link (to {target}), not a site "
                "summarizer built: the site is built only in a folder of its own; "
                "set SUMMARIZER_SITE_DIR to one, or run `summarizer site --force` to build there"
            )
    elif site_dir.exists() and not site_dir.is_dir():
        raise InputError(f"the site folder {shown} is a file; set SUMMARIZER_SITE_DIR to a folder")
    if not site_dir.is_dir():
        return  # made by the build
    refuse = "; set SUMMARIZER_SITE_DIR to a new or empty folder, or run `summarizer site --force`"
    owned = _read_list(site_dir / OWN_LIST)
    if owned is None and not (site_dir / MANIFEST).is_file():  # no site (nor one from before
        # the list was kept, whose files are its own)
        held = sorted(p.name for p in site_dir.iterdir())
        if held:
            raise InputError(
                f"the site folder {shown} is not empty and holds no site summarizer built "
                f"({_some(held)}){refuse} to build there"
            )
        return
    foreign = _foreign(site_dir, owned)
    if foreign:
        raise InputError(
            f"the site folder {shown} holds {len(foreign):,} "
            f"{'file' if len(foreign) == 1 else 'files'} summarizer did not make where the site "
            f"is written ({_some(foreign)}){refuse} to build there and replace them"
        )


def _some(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (", …" if len(names) > SHOWN else "")


def _foreign(site_dir: Path, owned: tuple[set[str], bool, float] | None) -> list[str]:
    """The files at the site's paths that the site did not make (none in a site from before
    the list was kept: `owned` None)."""
    if owned is None:
        return []
    listed, building, since = owned
    foreign = [p for p in site_paths(site_dir) if p not in listed]
    if building:  # the last build was killed: what it wrote is newer than the list
        foreign = [p for p in foreign if (site_dir / p).lstat().st_mtime < since]
    return foreign


def _read_list(path: Path) -> tuple[set[str], bool, float] | None:
    """The listed files, whether a build was under way, and when the list was written."""
    try:
        text = path.read_text("utf-8")
        since = path.stat().st_mtime
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.splitlines()
    listed = {line for line in lines if line and not line.startswith("#")}
    return listed, BUILDING in lines, since


def _write_list(path: Path, lines: list[str]) -> None:
    text = "\n".join([HEADER, *lines]) + "\n"
    try:
        if path.read_text("utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
