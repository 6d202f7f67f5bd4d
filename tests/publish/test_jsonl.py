"""The day's JSON lines written and read as JSON lines: any text, U+2028 and every other character a
line splitter breaks at included, is one record on one line, read back whole by the push
(`load_day`) and the site (`read_day`); a file from before the escaping still reads whole; a line
that is not a record is named by its number."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.core.records import Brief, Digest, Entry, Paper
from summarizer.deliver.content import UnreadableDay, jsonl_path, load_day
from summarizer.publish.jsonl import jsonl_line, jsonl_records, jsonl_row, render_jsonl
from summarizer.publish.site_data import read_day

DAY = date(2026, 1, 7)
BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # every break str.splitlines knows
TEXT = st.text(alphabet=st.sampled_from(f'aZ 中文<&"\\{BREAKS}'), max_size=40) | st.text()


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_any_text_is_one_record_on_one_line(texts: list[str]) -> None:
    rows = [{"id": f"2601.{n:05d}", "title": t, "abstract": t * 2} for n, t in enumerate(texts)]
    text = "".join(jsonl_line(row) for row in rows)
    assert len(text.splitlines()) == len(rows)  # whatever splitter a reader uses
    assert text.count("\n") == len(rows) and text.endswith("\n")
    assert [json.loads(line) for _, line in jsonl_records(text)] == rows


def paper(number: int, text: str) -> Paper:
    return Paper(
        id=f"2601.{number:05d}",
        version=1,
        title=f"Title {number} {text}",
        authors=["Ann One"],
        primary_category="cs.SD",
        categories=["cs.SD"],
        published=datetime(2026, 1, 6, 12, number % 60, tzinfo=UTC),
        abstract=f"Abstract {number} {text}",
        pdf_url=f"https://arxiv.org/pdf/2601.{number:05d}v1",
    )


def brief(text: str) -> Brief:
    fields = ("tldr", "motivation", "method", "result", "conclusion")
    return Brief.model_validate(
        {name: f"中文总结{text}" for name in fields}, context={"language": "any"}
    )


def write_day(out: Path, entries: list[Entry]) -> str:
    start = datetime(2026, 1, 6, 19, tzinfo=UTC)
    digest = Digest(
        day=DAY,
        window_start=start,
        window_end=start,
        categories=["cs.SD"],
        fetched=len(entries),
        entries=entries,
    )
    text = render_jsonl(digest)
    path = jsonl_path(out, DAY)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_every_reader_reads_every_paper_whole(tmp_path: Path, texts: list[str]) -> None:
    entries = []
    for n, text in enumerate(texts):
        safe = "".join(c for c in text if c in "\u2028\u2029" or c.isprintable())
        entries.append(Entry(paper=paper(n, text), category="cs.SD", brief=brief(safe)))
    written = write_day(tmp_path, entries)
    assert len(written.splitlines()) == len(entries)
    expected = [jsonl_row(e) for e in sorted(entries, key=lambda e: e.paper.id)]
    assert load_day(tmp_path, DAY).records == json.loads(json.dumps(expected))
    site = read_day(DAY, written, placed={}, configured=["cs.SD"])
    assert [(p.id, p.title, p.abstract, p.brief) for p in site.papers] == [
        (e.paper.id, e.paper.title, e.paper.abstract.strip(), e.brief)
        for e in sorted(entries, key=lambda e: e.paper.id)
    ]


def test_a_file_written_before_the_escaping_still_reads_whole(tmp_path: Path) -> None:
    entry = Entry(paper=paper(1, "a\u2028b\u2029c"), category="cs.SD", brief=brief("x\u2028y"))
    raw = json.dumps(jsonl_row(entry), ensure_ascii=False) + "\n"  # as the old writer did
    assert "\u2028" in raw and len(raw.splitlines()) > 1
    jsonl_path(tmp_path, DAY).parent.mkdir(parents=True)
    jsonl_path(tmp_path, DAY).write_text(raw * 1, "utf-8")
    (item,) = load_day(tmp_path, DAY).items
    assert item.tldr == "中文总结x\u2028y"
    (site_paper,) = read_day(DAY, raw, placed={}, configured=["cs.SD"]).papers
    assert site_paper.abstract == "Abstract 1 a\u2028b\u2029c"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "2601.00002", "title": "cut', "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"id": "../../etc/passwd"}', "malformed arXiv id"),
    ],
)
def test_a_broken_line_is_named_by_its_number(tmp_path: Path, line: str, reason: str) -> None:
    good = jsonl_line({"id": "2601.00001", "title": "T"})
    path = jsonl_path(tmp_path, DAY)
    path.parent.mkdir(parents=True)
    path.write_text(good + "\n" + line + "\n" + good, "utf-8")
    with pytest.raises(UnreadableDay) as caught:
        load_day(tmp_path, DAY)
    assert caught.value.line == 3 and reason in caught.value.reason
    assert "line 3 cannot be read: " in str(caught.value) and reason in str(caught.value)
