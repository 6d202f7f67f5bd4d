"""The shipped nightly (.github/workflows/nightly.yml), as a fork runs it: its structure, then its
jobs run here night after night (tests/support/actions: the `run:` steps executed by bash in a
scratch clone of a fork, the actions it uses simulated) against the arXiv and model stand-ins.

A fork's first night publishes and commits its digests; the second asks the model nothing; a
night whose store was lost refills it from the committed JSON lines, paying nothing; a night whose
endpoint is down, or whose base-URL variable is blank (the default host unreachable), fails with
one line and publishes nothing; a scheduled night links its feeds under the repository's path;
a fork without the key says so and does nothing. The committed summarizer.toml drives the
categories, keywords, pushes and formats.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from summarizer_standins.arxiv_api import ArxivStandin
from summarizer_standins.chat_hooks import ChatHooks
from summarizer_standins.fixtures import Fixture
from summarizer_standins.openai_api import ModelStandin
from summarizer_standins.synthetic import synthetic_papers

from summarizer.core.days import latest_digest_day, mailing_window, next_digest_day
from summarizer.core.records import Paper
from summarizer.run.settings import every_setting
from tests.support.actions import Context, Run, Runner, committed, load_workflow, make_origin
from tests.support.cli import SENTINEL_KEY, clean_environ, closed_port
from tests.support.files import REPOSITORY

WORKFLOW = REPOSITORY / ".github" / "workflows" / "nightly.yml"
DAY, NEW_DAY = "2026-01-07", "2026-01-08"
CATEGORIES = ["eess.AS", "cs.SD"]
# The fork's committed settings: categories, keywords, pushes and formats.
TOML = """\
categories = ["eess.AS", "cs.SD"]
keywords = ["speech"]
format = "all"
push = ["webhook"]
"""
FORK_FILES = (".gitignore", "tools/nightly.py", ".github/workflows/nightly.yml")


# --- the workflow as a file ------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load_workflow(WORKFLOW)


def steps(workflow: dict[str, Any], job: str = "digest") -> list[dict[str, Any]]:
    return list(workflow["jobs"][job]["steps"])


def test_triggers_permissions_and_one_run_at_a_time(workflow: dict[str, Any]) -> None:
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["on"]["schedule"] == [{"cron": "30 2 * * 1-5"}]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    digest, deploy = workflow["jobs"]["digest"], workflow["jobs"]["deploy"]
    assert digest["permissions"] == {"contents": "write"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["needs"] == "digest" and "publish == 'true'" in deploy["if"]


def test_every_step_after_the_guard_waits_for_the_key(workflow: dict[str, Any]) -> None:
    guard, *rest = steps(workflow)
    assert guard["env"] == {"OPENAI_API_KEY": "${{ secrets.OPENAI_API_KEY }}"}
    for step in rest:
        assert "steps.guard.outputs.ready == 'true'" in step["if"], step


def test_the_store_is_saved_even_when_the_digest_failed(workflow: dict[str, Any]) -> None:
    names = [s.get("uses", s.get("id", "")).split("@")[0] for s in steps(workflow)]
    save = names.index("actions/cache/save")
    assert names.index("actions/cache/restore") < names.index("digest") == save - 1
    step = steps(workflow)[save]
    assert step["if"].startswith("always() && ")
    restore = steps(workflow)[names.index("actions/cache/restore")]
    assert step["with"]["key"] == restore["with"]["key"]
    assert restore["with"]["restore-keys"] == "summarizer-store-"


def test_the_nightly_installs_only_what_it_runs(workflow: dict[str, Any]) -> None:
    setup = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["cache"] == "pip" and setup["with"]["cache-dependency-path"]
    install = next(s for s in steps(workflow) if s.get("id") == "install")
    assert install["run"].strip() == "python -m pip install --disable-pip-version-check ."
    text = WORKFLOW.read_text("utf-8")
    assert "[test]" not in text and "standins" not in text and "make install" not in text


def test_every_secret_setting_reaches_the_digest_and_no_script_holds_an_expression(
    workflow: dict[str, Any],
) -> None:
    """Secrets by name, only in the step that needs them; `${{ }}` never inside a script (an
    input or variable spliced into bash would run as code)."""
    digest = next(s for s in steps(workflow) if s.get("id") == "digest")
    secrets = {info.env for info in every_setting() if info.secret}
    assert {k for k, v in digest["env"].items() if "secrets." in v} == secrets
    for name in secrets:
        assert digest["env"][name] == f"${{{{ secrets.{name} }}}}"
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step


# --- the stand-ins and a fork ----------------------------------------------------------------


def papers_of(day: date, n: int, *, seed: int) -> list[Paper]:
    """`n` papers of `day`'s mailing in the fork's categories, with ids of their own."""
    window = mailing_window(day)
    papers = synthetic_papers(
        n,
        day_window_start=window.start,
        day_window_end=window.end,
        categories=CATEGORIES,
        seed=seed,
    )
    return [
        p.model_copy(update={"id": f"{day:%y%m}.{day.day:02d}{number:03d}"})
        for number, p in enumerate(papers)
    ]


@dataclass
class Fork:
    runner: Runner
    origin: Path
    arxiv: ArxivStandin
    model: ModelStandin
    hooks: ChatHooks
    scratch: Path

    def night(self, event: str = "workflow_dispatch", **context: Any) -> Run:
        context.setdefault("secrets", self.secrets())
        context.setdefault("vars", self.variables())
        context.setdefault("env", clean_environ())
        context.setdefault("run_id", self.runner.nights + 1)
        return self.runner.run(Context(event=event, **context))

    def secrets(self) -> dict[str, str]:
        webhook = self.hooks.env()["SUMMARIZER_WEBHOOK_URL"]
        return {"OPENAI_API_KEY": SENTINEL_KEY, "SUMMARIZER_WEBHOOK_URL": webhook}

    def variables(self, **more: str) -> dict[str, str]:
        return {"ARXIV_API_URL": self.arxiv.url, "OPENAI_BASE_URL": self.model.base_url, **more}

    def committed(self, path: str) -> bytes | None:
        return committed(self.origin, path)


@pytest.fixture
def fork(tmp_path: Path, sample: Fixture) -> Iterator[Fork]:
    files: dict[str, str | bytes] = {name: (REPOSITORY / name).read_bytes() for name in FORK_FILES}
    files |= {"summarizer.toml": TOML, "outputs/.gitkeep": ""}
    origin = make_origin(tmp_path, files)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    runner = Runner(load_workflow(WORKFLOW), origin=origin, scratch=tmp_path, path=path)
    now = latest_digest_day(datetime.now(UTC))
    extra = papers_of(date.fromisoformat(NEW_DAY), 3, seed=8)
    extra += papers_of(now, 4, seed=1) + papers_of(next_digest_day(now), 4, seed=2)
    # A few papers of the sample day in the fork's categories, one outside them: runs stay short.
    mine = [p for p in sample.papers if set(p.categories) & set(CATEGORIES)][:5]
    other = next(p for p in sample.papers if not set(p.categories) & set(CATEGORIES))
    with (
        ArxivStandin([*mine, other, *extra]) as arxiv,
        ModelStandin.from_fixture(sample) as model,
        ChatHooks() as hooks,
    ):
        yield Fork(runner, origin, arxiv, model, hooks, tmp_path)


def assert_published(run: Run, day: str) -> None:
    assert run.green, run.jobs["digest"].log
    assert run.published is not None and (run.published / "days" / f"{day}.html").is_file()


def assert_failed_with_one_line(run: Run, *words: str) -> str:
    """The digest step failed with one line saying why; nothing was published or committed."""
    digest = run.jobs["digest"]
    assert not run.green and digest.result == "failure"
    step = digest.step("digest")
    assert step.code == 3, digest.log
    assert "Traceback" not in step.stderr
    lines = step.stderr.strip().splitlines()
    assert len(lines) == 1 and not step.stdout.strip(), digest.log
    for word in words:
        assert word in lines[0], lines[0]
    assert run.published is None and run.jobs["deploy"].result == "skipped"
    assert digest.step("commit the digests").outcome == "skipped"
    return lines[0]


def test_a_fork_night_after_night(fork: Fork) -> None:
    # The first night: the committed settings drive the run; digests committed and published.
    first = fork.night(inputs={"date": DAY})
    assert_published(first, DAY)
    jsonl = fork.committed(f"outputs/data/{DAY}.jsonl") or b""
    rows = [json.loads(line) for line in jsonl.split(b"\n") if line]
    assert len(rows) == 5 and all(set(row["categories"]) & set(CATEGORIES) for row in rows)
    assert all(row["score"] is not None and row["brief"] and row["detailed"] for row in rows)
    assert fork.committed(f"outputs/{DAY}.md") and fork.committed(f"outputs/_posts/{DAY}-arxiv.md")
    assert fork.model.requests == 2 * len(rows)
    assert len(fork.hooks.accepted("webhook")) == 1
    feed = feedparser.parse((first.published / "feed.xml").read_bytes())
    assert feed.feed.links[0].href == "https://reader.github.io/arxiv-digest/feed.xml"

    # The second night, with the store from the cache: no request, nothing new to commit.
    fork.model.reset_counters()
    second = fork.night(inputs={"date": DAY})
    assert_published(second, DAY)
    assert fork.model.requests == 0 and len(fork.hooks.accepted("webhook")) == 1
    assert "nothing new to commit" in second.jobs["digest"].step("commit the digests").stdout

    # The cache is lost: the committed JSON lines refill the store, nothing is paid twice.
    shutil.rmtree(fork.scratch / "caches")
    third = fork.night(inputs={"date": DAY})
    assert_published(third, DAY)
    assert fork.model.requests == 0
    assert fork.committed(f"outputs/data/{DAY}.jsonl") == jsonl

    # The endpoint is down on a new day: one line, nothing published; the store is still saved.
    down = fork.night(
        inputs={"date": NEW_DAY},
        vars=fork.variables(OPENAI_BASE_URL=f"http://127.0.0.1:{closed_port()}/v1"),
    )
    assert_failed_with_one_line(down, "cannot reach the model endpoint")
    assert (fork.scratch / "caches" / f"summarizer-store-{fork.runner.nights}-1").is_dir()
    assert fork.committed(f"outputs/data/{NEW_DAY}.jsonl") is None

    # The base-URL variable blank (unset, or set to ''), the default host unreachable.
    proxy = f"http://127.0.0.1:{closed_port()}"
    unreachable = {**clean_environ(), "HTTPS_PROXY": proxy, "NO_PROXY": "127.0.0.1,localhost"}
    blank = fork.night(
        inputs={"date": NEW_DAY}, vars=fork.variables(OPENAI_BASE_URL=""), env=unreachable
    )
    assert_failed_with_one_line(blank, "api.openai.com", "OPENAI_BASE_URL")
    assert fork.model.requests == 0


def test_scheduled_nights_link_under_the_repository_path_and_retry_a_failed_push(
    fork: Fork,
) -> None:
    """On `schedule` (no event repository, no inputs): the latest mailing, its links under
    https://owner.github.io/name. A push refused that night: the site is still published, the
    run ends red saying so; the next night (the days since the newest committed one: nothing
    to redo) retries the push."""
    fork.hooks.refuse_status, fork.hooks.refuse["webhook"] = 400, 1
    first = fork.night("schedule", repository="Reader-Lab/arxiv-digest")
    assert first.jobs["digest"].result == "success", first.jobs["digest"].log
    assert first.jobs["digest"].outputs["status"] == "4"
    assert first.published is not None and list(first.published.glob("days/*.html"))
    deploy = first.jobs["deploy"]
    assert deploy.result == "failure" and "a push could not be delivered" in deploy.log
    base = "https://reader-lab.github.io/arxiv-digest"
    feed = feedparser.parse((first.published / "feed.xml").read_bytes())
    assert feed.feed.links[0].href == f"{base}/feed.xml"
    fork.model.reset_counters()
    second = fork.night("schedule", repository="Reader-Lab/arxiv-digest")
    assert second.green, second.jobs["digest"].log
    assert "already done" in second.jobs["digest"].step("digest").stderr  # by backfill
    assert fork.model.requests == 0
    hooks = fork.hooks.accepted("webhook")
    assert len(hooks) == 1, second.jobs["digest"].log
    assert hooks[0].body["site_url"].startswith(f"{base}/days/")


def test_a_fork_without_the_key_says_so_and_does_nothing(fork: Fork) -> None:
    run = fork.night(secrets={})
    digest = run.jobs["digest"]
    assert run.green and run.published is None and run.jobs["deploy"].result == "skipped"
    guard, *rest = digest.steps
    assert "::notice" in guard.stdout and "OPENAI_API_KEY" in guard.stdout
    assert len(guard.stdout.strip().splitlines()) == 1
    assert all(step.outcome == "skipped" for step in rest)
    assert fork.arxiv.requests == 0 and fork.model.requests == 0


def test_a_night_without_any_summary_fails_and_a_partial_one_is_published(fork: Fork) -> None:
    """Exit 1 (some summaries missing): published with a warning while at least one paper got
    its summaries (the next night fills the rest in); a night where none did fails, and
    publishes nothing."""
    tries = fork.variables(SUMMARIZER_MAX_ATTEMPTS="1")
    fork.model.always("500")
    none = fork.night(inputs={"date": DAY}, vars=tries)
    digest = none.jobs["digest"]
    assert digest.result == "failure" and none.published is None
    assert digest.step("digest").code == 1
    assert "::error::no paper of 2026-01-07 got a summary" in digest.step("digest").stdout
    assert fork.committed(f"outputs/data/{DAY}.jsonl") is None
    fork.model.always(None)
    fork.model.fail_next("500")
    partial = fork.night(inputs={"date": DAY}, vars=tries)
    assert_published(partial, DAY)
    assert "::warning title=summaries missing::" in partial.jobs["digest"].step("digest").stdout
    rows = (fork.committed(f"outputs/data/{DAY}.jsonl") or b"").decode().splitlines()
    assert sum(json.loads(row)["missing"] != [] for row in rows) == 1
    fork.model.reset_counters()
    filled = fork.night(inputs={"date": DAY})
    assert_published(filled, DAY)
    assert fork.model.requests == 1
    rows = (fork.committed(f"outputs/data/{DAY}.jsonl") or b"").decode().splitlines()
    assert all(json.loads(row)["missing"] == [] for row in rows)


# --- tools/nightly.py, the two decisions shell does badly ------------------------------------


def nightly_tool() -> Any:
    spec = importlib.util.spec_from_file_location("nightly_tool", REPOSITORY / "tools/nightly.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("repository", "url"),
    [
        ("reader/arxiv-digest", "https://reader.github.io/arxiv-digest"),
        ("Reader-Lab/Papers", "https://reader-lab.github.io/Papers"),
        ("reader/reader.github.io", "https://reader.github.io"),
        ("Reader/reader.GitHub.io", "https://reader.github.io"),
    ],
)
def test_the_site_address_comes_from_the_repository(repository: str, url: str) -> None:
    assert nightly_tool().site_url(repository) == url


def test_blank_variables_and_other_names_do_not_reach_the_run() -> None:
    given = {
        "SUMMARIZER_TOP": "",
        "OPENAI_BASE_URL": "  ",
        "SUMMARIZER_MODEL": "deepseek-chat",
        "ARXIV_API_URL": "http://127.0.0.1:9/api/query",
        "OPENAI_API_KEY": "sk-not-as-a-variable",
        "DEPLOY_TARGET": "x",
    }
    assert nightly_tool().variables(json.dumps(given)) == {
        "SUMMARIZER_MODEL": "deepseek-chat",
        "ARXIV_API_URL": "http://127.0.0.1:9/api/query",
    }
    with pytest.raises(SystemExit, match="SUMMARIZER_KEYWORDS holds a line break"):
        nightly_tool().variables(json.dumps({"SUMMARIZER_KEYWORDS": "a\nb"}))


@pytest.mark.parametrize(
    ("toml", "variables", "expected"),
    [
        ("", {}, "SUMMARIZER_SITE_URL=https://reader.github.io/arxiv-digest"),
        ("", {"SUMMARIZER_SITE_URL": "https://papers.example.org"}, "=https://papers.example.org"),
        ('site_url = "https://papers.example.org"\n', {}, None),
    ],
)
def test_a_site_url_the_settings_give_is_kept(
    isolated: Path, toml: str, variables: dict[str, str], expected: str | None
) -> None:
    (isolated / "summarizer.toml").write_text(toml + 'push = ["slack"]\n', "utf-8")
    env_file, output = isolated / "env", isolated / "output"
    env = {
        **clean_environ(),
        "VARIABLES": json.dumps(variables),
        "GITHUB_REPOSITORY": "reader/arxiv-digest",
        "GITHUB_ENV": str(env_file),
        "GITHUB_OUTPUT": str(output),
    }
    tool = REPOSITORY / "tools" / "nightly.py"
    done = subprocess.run(
        [sys.executable, str(tool), "settings"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    site = [line for line in env_file.read_text().splitlines() if "SITE_URL" in line]
    assert site == ([] if expected is None else [line for line in site if line.endswith(expected)])
    assert len(site) == (0 if expected is None else 1)
    assert output.read_text() == "push=true\n"
