"""The search files a browser loads: docs in chunks of DOCS_CHUNK papers (a result loads only
its chunk), the bucket bitmap in days.js (the browser asks for no file that is not there)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from summarizer.publish.search_index import DOCS_CHUNK
from tests.support.build import build_test_site, synthetic_entries, write_day

DAY = date(2026, 1, 5)


def _records(path: Path) -> tuple[str, list[list[object]]]:
    key, value = re.fullmatch(r"\(.*?\)\[(\".*?\")\]=(.*);\n", path.read_text("utf-8")).groups()  # type: ignore[union-attr]
    return json.loads(key), json.loads(value)


def test_docs_come_in_chunks_and_a_shorter_day_leaves_none_behind(tmp_path: Path) -> None:
    entries = synthetic_entries(DAY, 2 * DOCS_CHUNK + 3)
    write_day(tmp_path, DAY, entries)
    legacy = tmp_path / "site" / "search" / "docs" / f"{DAY}.js"  # one file a day, before
    legacy.parent.mkdir(parents=True)
    legacy.write_text("old", "utf-8")
    build_test_site(tmp_path)
    folder = tmp_path / "site" / "search" / "docs" / str(DAY)
    assert sorted(p.name for p in folder.iterdir()) == ["0.js", "1.js", "2.js"]
    assert not legacy.exists()
    page = (tmp_path / "site" / "days" / f"{DAY}.html").read_text("utf-8")
    shown = re.findall(r'data-paper="([^"]+)"', page)  # the page's order is the docs' order
    for k in range(3):
        key, records = _records(folder / f"{k}.js")
        assert key == f"{DAY}/{k}"
        assert [r[0] for r in records] == shown[k * DOCS_CHUNK : (k + 1) * DOCS_CHUNK]
    write_day(tmp_path, DAY, entries[:DOCS_CHUNK])
    build_test_site(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["0.js"]


def test_days_js_lists_the_buckets_each_month_has(tmp_path: Path) -> None:
    write_day(tmp_path, DAY, synthetic_entries(DAY, 5))
    write_day(tmp_path, date(2026, 2, 2), synthetic_entries(date(2026, 2, 2), 3, seed=1))
    build_test_site(tmp_path)
    search = tmp_path / "site" / "search"
    text = (search / "days.js").read_text("utf-8")
    bitmaps = json.loads(re.search(r"SUMMARIZER_BUCKETS=(\{.*?\});", text).group(1))  # type: ignore[union-attr]
    assert set(bitmaps) == {"2026-01", "2026-02"}
    for month, bitmap in bitmaps.items():
        have = {int(p.stem, 16) for p in (search / month).glob("*.js") if p.stem != "meta"}
        assert have and {b for b in range(256) if int(bitmap, 16) >> b & 1} == have
