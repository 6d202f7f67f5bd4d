"""Derive the ranking tests' profile files from the bundled fixture days.

A one-off developer tool, kept so the profiles can be regenerated and audited; NOT run by the
tests. Usage, from the repo root: `.venv/bin/python tools/make_profiles.py [--check]`.

Each profile holds four papers of one topic taken from OTHER days than the day it is tested on,
so the tested day is held out:
  audio-language    4 audio-language-model papers of 2026-01-07 -> ranks 2025-11-19
  audio-language-b  4 of 2025-11-19 and 2026-03-10              -> ranks 2026-01-07
  music             4 music papers of 2025-11-19 and 2026-03-10 -> ranks 2026-01-07
  deepfake          4 written papers (tests/fixtures/ranking)   -> ranks 2026-01-07
  wireless-phy      4 written papers (tests/fixtures/ranking)   -> ranks 2026-01-07
written three ways: BibTeX (`NAME.bib`), arXiv ids (`NAME-ids.txt`), Zotero CSV
(`NAME-zotero.csv`, the columns of Zotero's "Export Collection… → CSV"); the written papers have
no arXiv id, so no ids file.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAYS = [
    ROOT / "standins/summarizer_standins/data/sample-toc.json",
    ROOT / "standins/summarizer_standins/data/sample-jekyll.json",
    ROOT / "tests/fixtures/second-day.json",
]
OUT = ROOT / "tests/fixtures/profiles"
WRITTEN = ROOT / "tests/fixtures/ranking/topics.json"
PROFILES = {
    "audio-language": ["2601.02954", "2601.02967", "2601.03227", "2601.02983"],
    "audio-language-b": ["2511.14293", "2511.14307", "2511.14138", "2603.05418"],
    "music": ["2511.14250", "2511.14600", "2603.05012", "2603.05802"],
    "deepfake": [f"written-df-{n}" for n in range(1, 5)],
    "wireless-phy": [f"written-phy-{n}" for n in range(1, 5)],
}
ZOTERO_COLUMNS = [
    "Key", "Item Type", "Publication Year", "Author", "Title", "Publication Title", "ISBN",
    "ISSN", "DOI", "Url", "Abstract Note", "Date", "Date Added", "Date Modified", "Extra",
]  # fmt: skip


def _papers() -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for day in DAYS:
        for record in json.loads(day.read_text("utf-8"))["records"]:
            found[record["paper"]["id"]] = record["paper"]
    for paper in json.loads(WRITTEN.read_text("utf-8"))["papers"]:
        found[paper["id"]] = paper | {"published": "2026-01-01"}
    return found


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def files() -> dict[Path, str]:
    papers = _papers()
    out: dict[Path, str] = {}
    for name, ids in PROFILES.items():
        bib, rows = [], io.StringIO()
        writer = csv.DictWriter(
            rows, fieldnames=ZOTERO_COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n"
        )
        writer.writeheader()
        for number, pid in enumerate(ids):
            p = papers[pid]
            authors = [str(a) for a in p["authors"]]  # type: ignore[attr-defined]
            arxiv = not pid.startswith("written-")  # written papers have no arXiv id
            year = f"20{pid[:2]}" if arxiv else "2026"
            key = authors[0].split()[-1].lower() + (pid.replace(".", "") if arxiv else str(number))
            eprint = f"  eprint = {{{pid}}},\n  archivePrefix = {{arXiv}},\n" if arxiv else ""
            bib.append(
                f"@article{{{key},\n  title = {{{_one_line(p['title'])}}},\n"
                f"  author = {{{' and '.join(authors)}}},\n"
                f"  abstract = {{{_one_line(p['abstract'])}}},\n"
                f"{eprint}  year = {{{year}}}\n}}\n"
            )
            writer.writerow(
                {
                    "Key": f"ABCD{number:04d}",
                    "Item Type": "preprint",
                    "Publication Year": year,
                    "Author": "; ".join(", ".join(reversed(a.rsplit(" ", 1))) for a in authors),
                    "Title": p["title"],
                    "Url": f"http://arxiv.org/abs/{pid}" if arxiv else "",
                    "Abstract Note": p["abstract"],
                    "Date": str(p["published"])[:10],
                    "Extra": f"arXiv:{pid}" if arxiv else "",
                }
            )
        ids_text = "\n".join(f"arXiv:{i}" if n % 2 else i for n, i in enumerate(ids))
        out[OUT / f"{name}.bib"] = "\n".join(bib)
        if all(not i.startswith("written-") for i in ids):
            out[OUT / f"{name}-ids.txt"] = f"# four {name} papers, as arXiv ids\n{ids_text}\n"
        out[OUT / f"{name}-zotero.csv"] = rows.getvalue()
    return out


def main() -> int:
    check = "--check" in sys.argv[1:]
    differ = []
    for path, text in files().items():
        if check:
            if not path.is_file() or path.read_text("utf-8") != text:
                differ.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
    for path in differ:
        print(f"differs: {path.relative_to(ROOT)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
