"""`make demo` / `summarizer demo [--serve]`: the real pipeline, fully offline, against local
stand-ins for arXiv and a model.

Starts a local arXiv API serving a bundled real mailing (27 papers of 2026-01-07) and a local
OpenAI-compatible endpoint answering with the summaries recorded for them, then runs the same CLI a
user runs: the table-of-contents digest of that day, the Jekyll post of a second sample day, and
the static site of both under outputs/demo/site. `make demo ARGS=--batch` makes the digests
through the stand-in's Batch API instead (`--batch`). With `--serve` the stand-ins stay up and the
settings pointing at them are printed, so `paper`, `backfill` and `digest` can be tried offline
from another terminal.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import InputError
from . import console

if TYPE_CHECKING:
    from summarizer_standins.fixtures import Fixture

OUT = Path("outputs/demo")
DEMO_KEY = "sk-demo-local-stand-in"
DEMO_MODEL = "demo-model"
RunCommand = Callable[[list[str]], int]  # `summarizer ARGS` in this process: its exit status
NO_STANDINS = (
    "the demo runs from a clone of the repository, with `make demo` (it installs the local "
    "stand-ins, summarizer_standins, that `pip install summarizer` leaves out)"
)


def _shown(run_command: RunCommand) -> RunCommand:
    """`run_command`, each command said first as a person would type it."""

    def run(args: list[str]) -> int:
        console.say(f"\n$ summarizer {' '.join(args)}", lines=True)
        return run_command(args)

    return run


def exports(arxiv_url: str, model_url: str) -> list[str]:
    """The two shell lines that point every command at the stand-ins."""
    return [
        f"export ARXIV_API_URL={arxiv_url} OPENAI_BASE_URL={model_url}",
        f"export OPENAI_API_KEY={DEMO_KEY} SUMMARIZER_MODEL={DEMO_MODEL} "
        f"SUMMARIZER_OUTPUT_DIR={OUT}",
    ]


def run_demo(run_command: RunCommand, *, serve: bool = False, batch_api: bool = False) -> int:
    """The demo, each of its commands run by `run_command`; the first failing one's status."""
    try:
        from summarizer_standins.arxiv_api import ArxivStandin
        from summarizer_standins.demo_data import brief_from, detailed_from, week_records
        from summarizer_standins.fixtures import load_fixture
        from summarizer_standins.openai_api import ModelStandin
        from summarizer_standins.push_demo import push_demo
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("summarizer_standins"):
            raise
        raise InputError(NO_STANDINS) from None
    run = _shown(run_command)
    batch = ["--batch"] if batch_api else []
    toc, jekyll = load_fixture("sample-toc"), load_fixture("sample-jekyll")
    week = week_records(toc.categories)  # the other mailings of the README's backfill example
    with (
        ArxivStandin([r.paper for r in [*toc.records, *jekyll.records, *week]]) as arxiv_api,
        ModelStandin() as model,
    ):
        # Each paper's brief and detailed analysis say the same thing about that paper: the
        # samples record one of the two, the other is made from it.
        for record in [*toc.records, *jekyll.records, *week]:
            brief = record.brief or brief_from(record.detailed or {})
            model.add_answer(record.paper.title, brief, record.detailed or detailed_from(brief))
        os.environ.update(
            ARXIV_API_URL=arxiv_api.url,
            OPENAI_BASE_URL=model.base_url,
            OPENAI_API_KEY=DEMO_KEY,
            SUMMARIZER_MODEL=DEMO_MODEL,
            SUMMARIZER_OUTPUT_DIR=str(OUT),
            SUMMARIZER_BATCH_POLL="0.2",  # the stand-in runs a batch in well under a second
        )
        status = _digests_and_site(run, toc, jekyll, batch)
        console.say(
            f"\nmodel requests: {model.requests}, arXiv requests: {arxiv_api.requests} "
            "(a second run asks the model nothing: every summary comes from the store)",
            lines=True,
        )
        if batch:
            console.say(f"batches: {model.batch_api.created}")
        if status == 0 and serve:
            _serve(arxiv_api.url, model.base_url, sample_id=toc.papers[0].id)
            return 0
    status = status or push_demo(run, toc.day, state_dir=OUT)
    if status == 0:
        _next_steps(sample_id=toc.papers[0].id, day=str(toc.day))
    return status


def _digests_and_site(run: RunCommand, toc: Fixture, jekyll: Fixture, batch: list[str]) -> int:
    """The README's two digests (a table of contents, a Jekyll post) and the site."""
    status = run(["digest", "--date", str(toc.day), "--format", "toc", *batch])
    jekyll_flags = ["--format", "jekyll", "--window", "anchored"]
    categories = ["--categories", ",".join(jekyll.categories)]
    status = status or run(
        ["digest", "--date", str(jekyll.day), *jekyll_flags, *categories, *batch]
    )
    return status or run(["site"])


def _serve(arxiv_url: str, model_url: str, *, sample_id: str) -> None:
    from summarizer_standins.push_demo import PushReceivers, exported

    with PushReceivers(OUT) as receivers:
        console.say(
            "\nThe stand-ins (arXiv, the model, an SMTP server and every chat platform) stay up "
            "until Ctrl-C. In another terminal, in this directory, run:",
            lines=True,
        )
        push = receivers.env()
        chat = {k: v for k, v in push.items() if "SMTP" not in k and "MAIL" not in k}
        mail = {k: v for k, v in push.items() if k not in chat}
        for line in [*exports(arxiv_url, model_url), exported(mail), exported(chat)]:
            print(f"  {line}", flush=True)  # stdout: what this command was asked for
        print(flush=True)  # the end of the settings
        console.say(
            "then, for example:\n"
            f"  .venv/bin/summarizer paper arxiv.org/abs/{sample_id} --detailed\n"
            "  .venv/bin/summarizer backfill --from 2026-01-05 --to 2026-01-09\n"
            "  .venv/bin/summarizer push --date 2026-01-09   # what each receiver gets shows here",
            lines=True,
        )
        # Ctrl-C or a kill stops the stand-ins, even when started with SIGINT ignored (as
        # `cmd &` in a script, or a test runner's worker, starts it).
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _interrupt)
        try:
            while not threading.Event().wait(0.5):
                for line in receivers.news():
                    console.say(line)
        except KeyboardInterrupt:
            console.say("stand-ins stopped.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _next_steps(*, sample_id: str, day: str) -> None:
    console.say(
        f"\nThe demo digests are under {OUT}/ (start with {OUT}/{day}.md); the site: open "
        f"{OUT / 'site' / 'index.html'} in a browser, or run\n"
        f"  python -m http.server -d {OUT / 'site'} 8000   # then http://127.0.0.1:8000/\n"
        "\nTry every command offline: .venv/bin/summarizer demo --serve\n"
        f"  (keeps the stand-ins up; e.g. `summarizer paper {sample_id} --detailed`, `backfill`)\n"
        "\nNext, a real digest:\n"
        "  cp .env.example .env        # then set OPENAI_API_KEY (and OPENAI_BASE_URL, "
        "SUMMARIZER_MODEL for a non-OpenAI endpoint)\n"
        "  make doctor                 # checks the settings and the endpoint\n"
        "  make digest                 # the latest mailing of your categories",
        lines=True,
    )
