"""Bad input, through the real CLI: a malformed date, id, category or setting is one line on
stderr naming what is wrong, exit status 2, no traceback, nothing written and nothing asked of
arXiv or the model, whether it came by flag or by environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from summarizer_standins import ArxivStandin, Fixture, ModelStandin

from tests.support.cli import Run, Stage, point_env_at

DAY = "2026-01-07"


@pytest.fixture(scope="module")
def servers(sample: Fixture) -> Iterator[tuple[ArxivStandin, ModelStandin]]:
    """One pair of stand-ins for the whole module: these runs should never reach them."""
    with ArxivStandin(sample.papers) as arxiv_api, ModelStandin.from_fixture(sample) as model:
        yield arxiv_api, model


@pytest.fixture
def stage(
    isolated: Path, servers: tuple[ArxivStandin, ModelStandin], monkeypatch: pytest.MonkeyPatch
) -> Stage:
    """As conftest's `stage`, on the module's stand-ins (counters zeroed)."""
    arxiv_api, model = servers
    arxiv_api.reset_counters()
    model.reset_counters()
    return point_env_at(monkeypatch, arxiv_api, model, isolated / "out")


def snapshot(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def assert_rejected(run: Run, stage: Stage, before: set[Path], root: Path, *words: str) -> None:
    assert run.code == 2, (run.code, run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("summarizer: error: ") or lines[0].startswith("Error: "), lines
    assert "Traceback" not in run.err + run.out
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert snapshot(root) == before, "nothing may be written"
    assert not stage.out.exists()
    assert stage.arxiv.requests == 0 and stage.model.requests == 0


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-13-01", "2026-02-30", "2026-1-7", "20260107", "yesterday", "", "2026-01-07x"]
)
def test_malformed_date(stage: Stage, cli, isolated: Path, text: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(isolated)
    assert_rejected(cli("digest", "--date", text), stage, before, isolated, "YYYY-MM-DD")


def test_a_mailing_not_announced_yet_is_not_made_empty(stage: Stage, cli, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(isolated)
    run = cli("digest", "--date", "2099-01-05")
    assert_rejected(run, stage, before, isolated, "2099-01-05", "cannot be made before")


def test_an_anchored_window_not_over_yet_is_not_made_partial(
    stage: Stage,
    cli,
    isolated: Path,  # type: ignore[no-untyped-def]
) -> None:
    before = snapshot(isolated)
    run = cli("digest", "--date", "2099-01-03", "--window", "anchored")
    assert_rejected(run, stage, before, isolated, "cannot be made before")


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("--window", "anchored", "--anchor", "25:00"), "25:00"),
        (("--window", "anchored", "--tz", "Mars/Olympus_Mons"), "Mars/Olympus_Mons"),
        (("--window", "weekly"), "weekly"),
        (("--format", "pdf"), "pdf"),
    ],
)
def test_bad_window_or_format(
    stage: Stage,
    cli,
    isolated: Path,
    args: tuple[str, ...],
    word: str,  # type: ignore[no-untyped-def]
) -> None:
    before = snapshot(isolated)
    assert_rejected(cli("digest", "--date", DAY, *args), stage, before, isolated, word)


def test_backfill_range_backwards(stage: Stage, cli, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(isolated)
    run = cli("backfill", "--from", "2026-01-09", "--to", "2026-01-05")
    assert_rejected(run, stage, before, isolated, "2026-01-09")


# --- ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "2511.146",
        "hello",
        "2511.14600v0",
        "https://example.com/abs/2511.14600",
        "arXiv:",
        "../../etc/passwd",
        "2511.14600; rm -rf /",
        "HEP-TH/9901001",
    ],
)
def test_malformed_paper_id(stage: Stage, cli, isolated: Path, ref: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(isolated)
    assert_rejected(cli("paper", ref), stage, before, isolated, "not an arXiv id")


def test_unknown_paper_is_one_line(stage: Stage, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("paper", "2511.99999")
    assert run.code == 2 and run.err.strip().splitlines() == [
        "summarizer: error: arXiv has no paper 2511.99999"
    ]
    assert stage.model.requests == 0


# --- categories -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("xx.YY", ("xx.YY",)),
        ("eess.sp", ("eess.sp", "did you mean eess.SP")),
        ("cs.SD,foo.BAR", ("foo.BAR",)),
        ("cs.SDD", ("cs.SDD", "did you mean cs.SD")),
        (",", ("at least one category",)),
    ],
)
@pytest.mark.parametrize("how", ["flag", "env"])
def test_unknown_category(
    stage: Stage,
    cli,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    words: tuple[str, ...],
    how: str,  # type: ignore[no-untyped-def]
) -> None:
    before = snapshot(isolated)
    if how == "flag":
        run = cli("digest", "--date", DAY, "--categories", value)
        name = "--categories"
    else:
        monkeypatch.setenv("SUMMARIZER_CATEGORIES", value)
        run = cli("digest", "--date", DAY)
        name = "SUMMARIZER_CATEGORIES"
    assert_rejected(run, stage, before, isolated, name, *words)


# --- settings -------------------------------------------------------------------------------------

ENV_CASES = [
    ("SUMMARIZER_CONCURRENCY", "0", "greater than 0"),
    ("SUMMARIZER_CONCURRENCY", "-3", "greater than 0"),
    ("SUMMARIZER_CONCURRENCY", "lots", "integer"),
    ("SUMMARIZER_RESPONSE_MODE", "xml", "json_schema"),
    ("SUMMARIZER_RESPONSE_MODE", "JSON", "json_schema"),
    ("OPENAI_BASE_URL", "not a url", "http(s) URL"),
    ("OPENAI_BASE_URL", "ftp://example.com/v1", "http(s) URL"),
    ("OPENAI_BASE_URL", "http://", "http(s) URL"),
    ("OPENAI_BASE_URL", "localhost:8000/v1", "http(s) URL"),
    ("OPENAI_BASE_URL", "http://localhost:port/v1", "http(s) URL"),
    ("OPENAI_BASE_URL", "http://exa mple.com/v1", "http(s) URL"),
    ("ARXIV_API_URL", "export.arxiv.org/api/query", "http(s) URL"),
    ("SUMMARIZER_REQUEST_TIMEOUT", "901", "less than or equal to 900"),
    ("SUMMARIZER_REQUEST_TIMEOUT", "86400", "less than or equal to 900"),
    ("SUMMARIZER_REQUEST_TIMEOUT", "0", "greater than 0"),
    ("SUMMARIZER_REQUEST_TIMEOUT", "-1", "greater than 0"),
    ("SUMMARIZER_REQUEST_TIMEOUT", "inf", "finite number"),
    ("SUMMARIZER_REQUEST_TIMEOUT", "soon", "number"),
    ("SUMMARIZER_MAX_ATTEMPTS", "0", "greater than or equal to 1"),
    ("SUMMARIZER_RPM", "0", "greater than 0"),
    ("SUMMARIZER_TPM", "-100", "greater than 0"),
    ("SUMMARIZER_MAX_COST", "-1", "greater than or equal to 0"),
    ("ARXIV_TIMEOUT", "0", "greater than 0"),
    ("ARXIV_TIMEOUT", "inf", "finite number"),
    ("ARXIV_TIMEOUT", "nan", "finite number"),
    ("SUMMARIZER_MAX_COST", "inf", "finite number"),
    ("SUMMARIZER_BATCH_POLL", "-inf", "finite number"),
    ("ARXIV_PAGE_SIZE", "0", "greater than 0"),
]


@pytest.mark.parametrize(
    ("how", "name", "value", "words"),
    [("env", *case) for case in ENV_CASES]
    + [("dotenv", *case) for case in ENV_CASES[:6] + ENV_CASES[12:14]],
)
def test_bad_setting_from_the_environment_or_dotenv(
    stage: Stage,
    cli,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    name: str,
    value: str,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    if how == "env":
        monkeypatch.setenv(name, value)
    else:
        monkeypatch.delenv(name, raising=False)
        (isolated / ".env").write_text(f"{name}='{value}'\n", encoding="utf-8")
    before = snapshot(isolated)
    assert_rejected(cli("digest", "--date", DAY), stage, before, isolated, name, words)


FLAG_CASES = [
    (("--concurrency", "0"), "--concurrency", "greater than 0"),
    (("--concurrency", "-4"), "--concurrency", "greater than 0"),
    (("--concurrency", "many"), "--concurrency", "many"),
    (("--response-mode", "xml"), "--response-mode", "json_schema"),
    (("--rpm", "0"), "--rpm", "greater than 0"),
    (("--tpm", "-1"), "--tpm", "greater than 0"),
    (("--max-cost", "-0.5"), "--max-cost", "greater than or equal to 0"),
    (("--model", " "), "--model", "must not be empty"),
]


@pytest.mark.parametrize(("args", "name", "words"), FLAG_CASES)
def test_bad_setting_from_a_flag(
    stage: Stage,
    cli,
    isolated: Path,
    args: tuple[str, ...],
    name: str,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    before = snapshot(isolated)
    run = cli("digest", "--date", DAY, *args)
    assert_rejected(run, stage, before, isolated, name, words)


def test_flag_error_wins_over_a_good_environment(
    stage: Stage,
    cli,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "4")
    before = snapshot(isolated)
    run = cli("digest", "--date", DAY, "--concurrency", "0")
    assert_rejected(run, stage, before, isolated, "--concurrency")


def test_output_dir_that_is_a_file(
    stage: Stage,
    cli,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    (isolated / "taken").write_text("a file\n")
    before = snapshot(isolated)
    run = cli("digest", "--date", DAY, "--out", str(isolated / "taken"))
    assert_rejected(run, stage, before, isolated, "--out", "not a directory")
    monkeypatch.setenv("SUMMARIZER_OUTPUT_DIR", str(isolated / "taken"))
    run = cli("digest", "--date", DAY)
    assert_rejected(run, stage, before, isolated, "SUMMARIZER_OUTPUT_DIR", "not a directory")


def test_cache_that_is_a_directory(stage: Stage, cli, isolated: Path) -> None:  # type: ignore[no-untyped-def]
    (isolated / "store").mkdir()
    before = snapshot(isolated)
    run = cli("digest", "--date", DAY, "--cache", str(isolated / "store"))
    assert_rejected(run, stage, before, isolated, "--cache", "directory")


def test_blank_optional_settings_mean_unset(
    stage: Stage,
    cli,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """`SUMMARIZER_RPM=` as left in a copied .env.example is "no cap", not an error."""
    for name in ("SUMMARIZER_RPM", "SUMMARIZER_TPM", "SUMMARIZER_MAX_COST", "SUMMARIZER_CACHE"):
        monkeypatch.setenv(name, "")
    run = cli("digest", "--date", DAY)
    assert run.code == 0, run.err
    assert (stage.out / "summarizer.sqlite3").exists()
