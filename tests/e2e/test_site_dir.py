"""The site is built only in a folder of its own (issue #24, item 10): a site folder that is a
symbolic link, or that holds files summarizer did not make where the site is written, is refused
with one line (exit 2) and left untouched; `summarizer site --force` builds there anyway, never
touching a file away from the site's own paths, and later builds need no --force."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from summarizer.run.site_dir import BUILDING, HEADER, OWN_LIST, site_paths
from tests.support.build import synthetic_entries, write_day
from tests.support.cli import Run, assert_one_line_exit_2

Cli = Callable[..., Run]
DAY = date(2026, 1, 7)
PRECIOUS = b"my thesis, the only copy\n"


@pytest.fixture
def out(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A digested day under the output folder, the site at `isolated/site`."""
    out = isolated / "out"
    write_day(out, DAY, synthetic_entries(DAY, 3))
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(out))
    monkeypatch.setenv("SUMMARIZER_SITE_DIR", str(isolated / "site"))
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_a_symlinked_site_folder_is_refused_unless_forced(
    out: Path, isolated: Path, cli: Cli
) -> None:
    """Before: the link was followed and the site written into the folder it points at."""
    target = isolated / "documents"
    (target / "drafts").mkdir(parents=True)
    (target / "thesis.tex").write_bytes(PRECIOUS)
    (target / "drafts" / "chapter1.tex").write_bytes(PRECIOUS)
    (isolated / "site").symlink_to(target)
    before = _files(target)
    refused = cli("site")
    assert_one_line_exit_2(refused, "symbolic link", str(target), "--force")
    assert _files(target) == before
    forced = cli("site", "--force")
    assert forced.code == 0, forced.err
    built = _files(target)
    assert b"<html" in built["index.html"]
    assert {name: built[name] for name in before} == before  # nothing of theirs touched
    again = cli("site")  # the folder it points at is a site now
    assert again.code == 0, again.err
    assert _files(target)["thesis.tex"] == PRECIOUS


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(
    out: Path, isolated: Path, cli: Cli
) -> None:
    """Before: the user's index.html was replaced by the site's."""
    site = isolated / "site"
    site.mkdir()
    (site / "index.html").write_bytes(PRECIOUS)
    (site / "README.md").write_bytes(PRECIOUS)
    before = _files(site)
    assert_one_line_exit_2(cli("site"), "not empty", "README.md, index.html", "--force")
    assert _files(site) == before
    assert_one_line_exit_2(cli("digest", "--date", "2026-01-07", "--site"), "not empty")
    forced = cli("site", "--force")
    assert forced.code == 0, forced.err
    assert _files(site)["index.html"] != PRECIOUS and _files(site)["README.md"] == PRECIOUS
    assert cli("site").code == 0


def test_a_file_dropped_where_the_build_deletes_is_refused(
    out: Path, isolated: Path, cli: Cli
) -> None:
    """A site of ours, then a file of someone else's among its search files (a build deletes the
    search files it no longer needs): before, it was deleted."""
    assert cli("site").code == 0
    site = isolated / "site"
    months = [p for p in (site / "search").iterdir() if p.is_dir() and p.name[:2] == "20"]
    dropped = months[0] / "mine.js"
    dropped.write_bytes(PRECIOUS)
    assert_one_line_exit_2(cli("site"), "1 file summarizer did not make", dropped.name)
    assert dropped.read_bytes() == PRECIOUS
    (site / "static").rename(isolated / "elsewhere")
    (site / "static").symlink_to(isolated / "elsewhere")  # a linked folder: writes go through it
    dropped.unlink()
    assert_one_line_exit_2(cli("site"), "static")


def test_a_killed_build_leaves_a_list_the_next_build_goes_on_from(
    out: Path, isolated: Path, cli: Cli
) -> None:
    assert cli("site").code == 0
    site = isolated / "site"
    listed = (site / OWN_LIST).read_text("utf-8").splitlines()
    assert listed[0] == HEADER and "index.html" in listed and BUILDING not in listed
    # killed after writing a new day page, before the list was written again
    (site / OWN_LIST).write_text("\n".join([HEADER, BUILDING, *listed[1:]]) + "\n", "utf-8")
    stamp = (site / OWN_LIST).stat().st_mtime
    (site / "days" / "2026-01-08.html").write_bytes(b"<html>half a build</html>")
    older = site / "days" / "2025-12-31.html"
    older.write_bytes(PRECIOUS)  # someone else's, from before that build began
    os.utime(older, (stamp - 60, stamp - 60))
    assert_one_line_exit_2(cli("site"), "2025-12-31.html")
    older.unlink()
    assert cli("site").code == 0


def test_a_site_built_before_the_list_was_kept_is_its_own(
    out: Path, isolated: Path, cli: Cli
) -> None:
    assert cli("site").code == 0
    site = isolated / "site"
    # every file a build makes is where the check looks (a new kind of file must be added there)
    assert set(_files(site)) - {OWN_LIST} == set(site_paths(site))
    (site / OWN_LIST).unlink()  # as sites built before it were
    assert cli("site").code == 0
    assert (site / OWN_LIST).is_file()


def test_a_site_folder_that_is_a_file_is_refused(out: Path, isolated: Path, cli: Cli) -> None:
    (isolated / "site").write_bytes(PRECIOUS)
    assert_one_line_exit_2(cli("site"), "is a file")
    assert (isolated / "site").read_bytes() == PRECIOUS
