"""`make demo`: the real pipeline, fully offline, against local stand-ins for arXiv and a model.

Starts a local arXiv API serving a bundled real mailing (27 papers of 2026-01-07) and a local
OpenAI-compatible endpoint answering with the summaries recorded for them, then runs the same CLI a
user runs: the table-of-contents digest of that day, the Jekyll post of a second sample day, and
the static site of both under outputs/demo/site. `make demo ARGS=--batch` makes the digests
through the stand-in's Batch API instead (`--batch`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .cli import main as cli_main
from .standins.arxiv_api import ArxivStandin
from .standins.fixtures import load_fixture
from .standins.openai_api import ModelStandin
from .standins.push_demo import push_demo

OUT = Path("outputs/demo")


def _run(args: list[str]) -> int:
    print("$ summarizer " + " ".join(args), flush=True)
    try:
        cli_main(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    batch = ["--batch"] if "--batch" in (sys.argv[1:] if argv is None else argv) else []
    toc, jekyll = load_fixture("sample-toc"), load_fixture("sample-jekyll")
    with (
        ArxivStandin(toc.papers + jekyll.papers) as arxiv_api,
        ModelStandin.from_fixture(toc) as model,
    ):
        for record in jekyll.records:
            model.add_answer(record.paper.title, record.brief, record.detailed)
        os.environ.update(
            ARXIV_API_URL=arxiv_api.url,
            OPENAI_BASE_URL=model.base_url,
            OPENAI_API_KEY="sk-demo-local-stand-in",
            SUMMARIZER_MODEL="demo-model",
            SUMMARIZER_OUTPUT_DIR=str(OUT),
            SUMMARIZER_BATCH_POLL="0.2",  # the stand-in runs a batch in well under a second
        )
        status = _run(["digest", "--date", str(toc.day), "--format", "toc", *batch])
        status = status or _run(
            [
                "digest",
                "--date",
                str(jekyll.day),
                "--format",
                "jekyll",
                "--window",
                "anchored",
                "--categories",
                ",".join(jekyll.categories),
                *batch,
            ]
        )
        status = status or _run(["site"])
        print(f"\nmodel requests: {model.requests}, arXiv requests: {arxiv_api.requests}")
        if batch:
            print(f"batches: {model.batch_api.created}")
    status = status or push_demo(_run, toc.day)
    if status == 0:
        print("\nThe demo digests are in:")
        for path in sorted(OUT.rglob("*")):
            site_file = OUT / "site" in path.parents
            if path.is_file() and not path.name.startswith("summarizer.sqlite3") and not site_file:
                print(f"  {path}")
        print(f"The site: open {OUT / 'site' / 'index.html'} in a browser, or run")
        print(f"  python -m http.server -d {OUT / 'site'} 8000   # then http://127.0.0.1:8000/")
        print("Run `make demo` again: every summary now comes from the store (0 model requests).")
    return status


if __name__ == "__main__":
    sys.exit(main())
