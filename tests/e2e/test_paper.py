"""`summarizer paper ID_OR_URL`: every id and URL form, fetched by id_list from the arXiv stand-in,
printed as a panel, as the digest's Markdown block or as the JSONL object, from the same store the
digests use."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from summarizer_standins.fixtures import Fixture

from summarizer.core.records import Paper
from tests.support import build
from tests.support.cli import Run, Stage, assert_one_line_exit_2

Cli = Callable[..., Run]
PAPER = "2601.02394"  # the first paper of the bundled sample mailing (digest day 2026-01-07)
OLD = build.paper(
    "hep-th/9901001",
    title="Old-Style Identifiers: A Note on Branes Before 2007",
    authors=["A. Physicist", "B. Theorist"],
    categories=["hep-th", "gr-qc"],
    published=datetime(1999, 1, 4, 18, 30, tzinfo=UTC),
    abstract="We revisit a classic construction and show it survives the old identifier scheme.",
)


def _flat(text: str) -> str:
    """Panel text without its box and without any whitespace, so wrapping cannot hide a match."""
    return re.sub(r"[\s│╭╮╰╯─]+", "", text)


def _id_lists(stage: Stage) -> list[list[str]]:
    return [entry["id_list"] for entry in stage.arxiv.log if entry["id_list"]]


def _record(sample: Fixture, paper_id: str) -> tuple[Paper, dict[str, str]]:
    record = next(r for r in sample.records if r.paper.id == paper_id)
    assert record.brief is not None
    return record.paper, record.brief


@pytest.mark.parametrize(
    ("ref", "sent"),
    [
        (PAPER, PAPER),
        (f"{PAPER}v1", f"{PAPER}v1"),
        (f"arXiv:{PAPER}", PAPER),
        (f"https://arxiv.org/abs/{PAPER}", PAPER),
        (f"https://arxiv.org/abs/{PAPER}v1", f"{PAPER}v1"),
        (f"https://arxiv.org/pdf/{PAPER}v1", f"{PAPER}v1"),
        (f"https://arxiv.org/pdf/{PAPER}.pdf", PAPER),
        (f"https://arxiv.org/pdf/{PAPER}v1.pdf", f"{PAPER}v1"),
        (f"https://arxiv.org/html/{PAPER}v1", f"{PAPER}v1"),
        (f"http://export.arxiv.org/abs/{PAPER}v1/", f"{PAPER}v1"),
        # as people paste them: no scheme, www., a browser's query or fragment, any case
        (f"arxiv.org/abs/{PAPER}v1", f"{PAPER}v1"),
        (f"arxiv.org/abs/{PAPER}", PAPER),
        (f"www.arxiv.org/pdf/{PAPER}v1.pdf", f"{PAPER}v1"),
        (f"https://www.arxiv.org/abs/{PAPER}?context=eess", PAPER),
        (f"https://arxiv.org/html/{PAPER}v1#S2", f"{PAPER}v1"),
        (f"ARXIV:{PAPER}v1", f"{PAPER}v1"),
        (f" arXiv: {PAPER} ", PAPER),
    ],
)
def test_each_id_and_url_form_prints_the_panel(
    stage: Stage,
    sample: Fixture,
    cli: Cli,
    ref: str,
    sent: str,
) -> None:
    run = cli("paper", ref)
    assert run.code == 0, run.err
    # fetched by id_list (exactly the id, version kept when given), never by a search query
    assert _id_lists(stage) == [[sent]]
    assert not any(entry["search_query"] for entry in stage.arxiv.log)
    assert stage.model.requests == 1
    paper, brief = _record(sample, PAPER)
    panel = _flat(run.out)
    for text in (paper.title, *paper.authors, *paper.categories, *brief.values()):
        assert _flat(text) in panel, text
    for label in ("TL;DR", "Motivation", "Method", "Result", "Conclusion"):
        assert f"{label}:" in panel
    assert "译文" not in panel  # the translation only with --detailed


@pytest.mark.parametrize("ref", ["hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001v1"])
def test_old_style_id(stage: Stage, cli: Cli, ref: str) -> None:
    stage.arxiv.add(OLD)
    run = cli("paper", ref, "--format", "json")
    assert run.code == 0, run.err
    assert _id_lists(stage) == [[ref.rsplit("abs/", 1)[-1]]]
    record = json.loads(run.out)
    assert record["id"] == "hep-th/9901001" and record["version"] == 1
    assert record["title"] == OLD.title and record["categories"] == ["hep-th", "gr-qc"]
    assert record["brief"]["tldr"] and record["detailed"] is None
    md = cli("paper", "hep-th/9901001", "--format", "md")
    assert md.code == 0, md.err
    assert md.out.startswith(f"### [1] [{OLD.title}](https://arxiv.org/abs/hep-th/9901001)\n")
    assert md.out.endswith("</details>\n")
    assert stage.model.requests == 1  # the second call was served from the store


def test_version_in_the_id_picks_that_version(stage: Stage, sample: Fixture, cli: Cli) -> None:
    paper, _ = _record(sample, PAPER)
    stage.arxiv.add(paper.model_copy(update={"version": 2}))
    latest = json.loads(cli("paper", PAPER, "--format", "json").out)
    first = json.loads(cli("paper", f"{PAPER}v1", "--format", "json").out)
    assert (latest["version"], first["version"]) == (2, 1)
    assert latest["pdf_url"].endswith("v2") and first["pdf_url"].endswith("v1")
    assert _id_lists(stage) == [[PAPER], [f"{PAPER}v1"]]


def test_second_call_costs_nothing_and_the_digest_reuses_it(stage: Stage, cli: Cli) -> None:
    first = cli("paper", PAPER)
    assert first.code == 0, first.err
    assert stage.model.requests == 1
    again = cli("paper", f"https://arxiv.org/abs/{PAPER}v1")
    assert again.code == 0, again.err
    assert stage.model.requests == 1, "a stored summary must not be asked for again"
    assert again.out == first.out
    # the digest of the paper's day reads the same store: 27 papers, one already summarized
    digest = cli("digest", "--date", "2026-01-07")
    assert digest.code == 0, digest.err
    assert stage.model.requests == 27
    assert stage.model.by_paper.most_common(1)[0][1] == 1  # no paper asked twice


def _blocks(toc: str) -> dict[str, str]:
    """Each paper's block of a table-of-contents digest by id, with its number set to 1."""
    found = re.findall(r"(?ms)^### \[\d+\] .*?^</details>\n", toc)
    blocks = {}
    for block in found:
        paper_id = re.search(r"\]\(https://arxiv\.org/abs/([^)]+)\)\n", block)
        assert paper_id is not None
        blocks[paper_id.group(1)] = re.sub(r"^### \[\d+\]", "### [1]", block)
    return blocks


def test_md_and_json_equal_the_digest(stage: Stage, sample: Fixture, cli: Cli) -> None:
    assert cli("digest", "--date", "2026-01-07").code == 0
    toc = (stage.out / "2026-01-07.md").read_text("utf-8")
    blocks = _blocks(toc)
    assert len(blocks) == 27
    lines = (stage.out / "data" / "2026-01-07.jsonl").read_text("utf-8").splitlines(keepends=True)
    jsonl = {json.loads(line)["id"]: line for line in lines}
    stage.model.reset_counters()
    for paper in sample.papers:
        md = cli("paper", paper.id, "--format", "md")
        assert md.code == 0, md.err
        assert md.out == blocks[paper.id], paper.id
        as_json = cli("paper", paper.abs_url, "--format", "json")
        assert as_json.code == 0, as_json.err
        assert as_json.out == jsonl[paper.id], paper.id
    assert stage.model.requests == 0  # every summary came from the digest's store


def test_detailed_adds_translation_and_analysis(stage: Stage, cli: Cli) -> None:
    as_json = cli("paper", PAPER, "--detailed", "--format", "json")
    assert as_json.code == 0, as_json.err
    assert stage.model.requests == 2  # one brief, one detailed
    detailed = json.loads(as_json.out)["detailed"]
    panel = cli("paper", PAPER, "--detailed")
    assert panel.code == 0, panel.err
    assert stage.model.requests == 2
    text = _flat(panel.out)
    assert _flat(detailed["translation"]) in text
    for number, name in ((1, "background"), (2, "method"), (3, "results")):
        assert f"{number})" in text
        for point in detailed[name]:
            assert _flat(point["label"] + "：" + point["text"]) in text


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("2601.99999", "2601.99999"),
        ("2601.99999v3", "2601.99999"),
        ("https://arxiv.org/abs/2601.99999", "2601.99999"),
        ("hep-th/9901002", "hep-th/9901002"),
    ],
)
def test_unknown_id_is_one_line_and_exit_2(stage: Stage, cli: Cli, ref: str, shown: str) -> None:
    stage.arxiv.add(OLD)
    assert_one_line_exit_2(cli("paper", ref), shown)
    assert len(_id_lists(stage)) == 1  # it did ask arXiv, by id
    assert stage.model.requests == 0
    assert not stage.out.exists()


@pytest.mark.parametrize(
    "ref",
    [
        "foo",
        "2601.123",
        "2601.02394v",
        "26010.2394",
        "hep-th/99",
        "https://example.com/abs/2601.02394",
        "https://arxiv.org/list/eess.SP/new",
    ],
)
def test_malformed_id_is_one_line_and_exit_2(stage: Stage, cli: Cli, ref: str) -> None:
    assert_one_line_exit_2(cli("paper", ref), ref)
    assert stage.arxiv.requests == 0 and stage.model.requests == 0
    assert not stage.out.exists()
