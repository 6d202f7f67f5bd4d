"""A GitHub Actions workflow run on this machine, as a runner would run it, for the tests of the
shipped nightly (.github/workflows/nightly.yml).

Jobs run in the order of their `needs`; each step's `if:` is evaluated (`success()` implied), its
`${{ }}` expressions are substituted from the run's contexts (`secrets`, `vars`, `inputs`,
`github`, `steps`, `needs`; what a context lacks is '' as on GitHub), and each `run:` script is
executed by `bash --noprofile --norc -eo pipefail` (the workflow's `shell: bash`) in the job's
workspace, with $GITHUB_ENV, $GITHUB_OUTPUT and the GITHUB_* variables a runner sets.

The actions a job uses are simulated, each by what it does to the workspace:
- actions/checkout: a fresh `git clone` of the repository (a bare "origin" the test made);
- actions/setup-python: nothing: the steps' PATH starts with the test's own virtualenv, where
  summarizer is installed already, so the step `id: install` (`pip install .`, checked to
  install no test extra) is not run: it would reach the package index;
- actions/cache/restore and save: files copied from and to a folder per cache key (restore takes
  the key, else the newest entry whose key starts with a `restore-keys` prefix; save keeps an
  existing key untouched, as GitHub does);
- actions/upload-pages-artifact and deploy-pages: the site folder copied aside, and "published"
  on deploy: `Run.published` is the site the run would have put on GitHub Pages.
A step that uses any other action fails the run: the test must learn to simulate it first.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+)|(?P<op>&&|\|\||==|!=|!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*))"
)
FUNCTIONS = {"always", "success", "failure", "cancelled", "toJSON"}


def load_workflow(path: Path) -> dict[str, Any]:
    """The workflow as a dict; YAML 1.1 reads the key `on` as True, given back as "on"."""
    workflow = yaml.safe_load(path.read_text("utf-8"))
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


@dataclass
class Context:
    """One run's trigger and settings, as the expressions see them."""

    event: str
    repository: str = "reader/arxiv-digest"
    secrets: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    run_id: int = 1
    env: dict[str, str] = field(default_factory=dict)  # the runner machine's environment


@dataclass
class Step:
    name: str
    outcome: str  # success, failure, skipped
    stdout: str = ""
    stderr: str = ""
    code: int = 0
    seconds: float = 0.0


@dataclass
class Job:
    name: str
    result: str = "skipped"
    steps: list[Step] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    @property
    def log(self) -> str:
        """Every step's outcome and output, for a failing assertion's message."""
        return "\n".join(
            f"--- {s.name}: {s.outcome} ({s.code}, {s.seconds:.1f} s)\n{s.stdout}{s.stderr}"
            for s in self.steps
        )


@dataclass
class Run:
    jobs: dict[str, Job]
    published: Path | None = None

    @property
    def green(self) -> bool:
        return all(job.result in ("success", "skipped") for job in self.jobs.values())


def evaluate(text: str, lookup: Callable[[str], Any], status: dict[str, bool]) -> Any:
    """A GitHub expression: context paths, '' strings, == != ! && || ( ), the status
    functions and toJSON. Anything else is an error, so the workflow cannot outgrow this."""
    python, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot evaluate {text!r} at {text[position:]!r}")
        position = match.end()
        if match["str"] is not None:
            python.append(repr(match["str"][1:-1].replace("''", "'")))
        elif match["num"] is not None:
            python.append(match["num"])
        elif match["op"] is not None:
            python.append({"&&": " and ", "||": " or ", "!": " not "}.get(match["op"], match["op"]))
        elif match["name"] in FUNCTIONS:
            python.append(f"f_{match['name']}")
        else:
            python.append(f"v({match['name']!r})")
    functions = {f"f_{name}": (lambda s=s: s) for name, s in status.items()}
    functions["f_toJSON"] = lambda value: json.dumps(value)
    return eval("".join(python), {"__builtins__": {}}, {"v": lookup, **functions})  # noqa: S307


class Runner:
    """Runs a workflow's jobs for one `Context` (see the module's docstring)."""

    def __init__(self, workflow: dict[str, Any], *, origin: Path, scratch: Path, path: str):
        self.workflow = workflow
        self.origin = origin
        self.scratch = scratch
        self.path = path  # PATH of every step: the test's virtualenv first
        self.caches = scratch / "caches"
        self.nights = 0

    def run(self, context: Context) -> Run:
        self.nights += 1
        night = self.scratch / f"night-{self.nights}"
        night.mkdir(parents=True)
        jobs: dict[str, Job] = {}
        for name, spec in self.workflow["jobs"].items():
            jobs[name] = self._job(name, spec, context, jobs, night)
        run = Run(jobs=jobs)
        published = night / "published"
        run.published = published if published.is_dir() else None
        return run

    # a job -------------------------------------------------------------------------------------
    def _job(
        self, name: str, spec: dict[str, Any], context: Context, done: dict[str, Job], night: Path
    ) -> Job:
        job = Job(name)
        needs = spec.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        if any(done[n].result != "success" for n in needs) and "always()" not in spec.get("if", ""):
            return job
        state = _JobState(self, context, night / name, {n: done[n] for n in needs})
        if "if" in spec and not state.condition(spec["if"]):
            return job
        for number, step in enumerate(spec["steps"]):
            job.steps.append(state.step(step, number))
        job.result = "failure" if state.failed else "success"
        job.outputs = {k: state.substitute(v) for k, v in spec.get("outputs", {}).items()}
        return job


class _JobState:
    """What one job's steps share: its workspace, environment, step outputs and status."""

    def __init__(self, runner: Runner, context: Context, home: Path, needs: dict[str, Job]):
        self.runner, self.context, self.needs = runner, context, needs
        self.home = home
        self.workspace = home / "workspace"
        self.workspace.mkdir(parents=True)
        self.env_file, self.output_file = home / "github_env", home / "github_output"
        self.added_env: dict[str, str] = {}
        self.outputs: dict[str, dict[str, str]] = {}
        self.failed = False

    def lookup(self, path: str) -> Any:
        context = self.context
        owner, _, name = context.repository.partition("/")
        roots: dict[str, Any] = {
            "secrets": context.secrets,
            "vars": context.vars,
            "inputs": context.inputs if context.event == "workflow_dispatch" else {},
            "github": {
                "repository": context.repository,
                "repository_owner": owner,
                "event_name": context.event,
                "run_id": str(context.run_id),
                "run_attempt": "1",
                # on `schedule` the event holds no repository (issue 23)
                "event": {} if context.event == "schedule" else {"repository": {"name": name}},
            },
            "steps": {k: {"outputs": v} for k, v in self.outputs.items()},
            "needs": {k: {"outputs": j.outputs, "result": j.result} for k, j in self.needs.items()},
        }
        value: Any = roots
        for part in path.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return "" if value is None else value

    def status(self) -> dict[str, bool]:
        return {"always": True, "success": not self.failed, "failure": self.failed}

    def condition(self, text: str) -> bool:
        text = EXPRESSION.sub(r"\1", str(text))
        if not re.search(r"\b(always|success|failure|cancelled)\(", text):
            text = f"success() && ({text})"
        return bool(evaluate(text, self.lookup, self.status()))

    def substitute(self, value: Any) -> str:
        return EXPRESSION.sub(
            lambda m: str(evaluate(m.group(1), self.lookup, self.status())), str(value)
        )

    def step(self, spec: dict[str, Any], number: int) -> Step:
        name = spec.get("id") or spec.get("name") or spec.get("uses") or f"step {number}"
        if not self.condition(spec.get("if", "success()")):
            return Step(name, "skipped")
        started = time.perf_counter()
        if "uses" in spec:
            done = self.action(spec)
        elif spec.get("id") == "install":
            done = Step(name, "success", stdout="(the test's virtualenv holds summarizer)")
        else:
            done = self.script(spec)
        done.name, done.seconds = name, time.perf_counter() - started
        if done.outcome == "failure":
            self.failed = True
        return done

    # run: -------------------------------------------------------------------------------------
    def environment(self, spec: dict[str, Any]) -> dict[str, str]:
        env = {
            **self.context.env,
            "PATH": self.runner.path,
            "HOME": str(self.home),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": self.context.repository,
            "GITHUB_REPOSITORY_OWNER": self.context.repository.split("/")[0],
            "GITHUB_EVENT_NAME": self.context.event,
            "GITHUB_RUN_ID": str(self.context.run_id),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ENV": str(self.env_file),
            "GITHUB_OUTPUT": str(self.output_file),
            "RUNNER_TEMP": str(self.home),
            **self.added_env,
        }
        for scope in (self.runner.workflow.get("env", {}), spec.get("env", {})):
            env.update({k: self.substitute(v) for k, v in scope.items()})
        return env

    def script(self, spec: dict[str, Any]) -> Step:
        script = self.home / "step.sh"
        script.write_text(spec["run"], "utf-8")
        self.output_file.write_text("")
        done = subprocess.run(
            [*BASH, str(script)],
            cwd=self.workspace,
            env=self.environment(spec),
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.added_env.update(_file_values(self.env_file))
        self.env_file.write_text("")
        if spec.get("id"):
            self.outputs[spec["id"]] = _file_values(self.output_file)
        outcome = "success" if done.returncode == 0 else "failure"
        return Step("", outcome, done.stdout, done.stderr, done.returncode)

    # uses: ------------------------------------------------------------------------------------
    def action(self, spec: dict[str, Any]) -> Step:
        uses = spec["uses"].split("@")[0]
        given = {k: self.substitute(v) for k, v in spec.get("with", {}).items()}
        if uses == "actions/checkout":
            shutil.rmtree(self.workspace)
            _git("clone", "--quiet", str(self.runner.origin), str(self.workspace), cwd=self.home)
        elif uses == "actions/setup-python":
            pass  # PATH starts with the test's virtualenv (see the module's docstring)
        elif uses == "actions/cache/restore":
            self.restore(given)
        elif uses == "actions/cache/save":
            self.save(given)
        elif uses == "actions/upload-pages-artifact":
            shutil.copytree(self.workspace / given["path"], self.home.parent / "artifact")
        elif uses == "actions/deploy-pages":
            shutil.copytree(self.home.parent / "artifact", self.home.parent / "published")
            self.outputs[spec.get("id", "deploy")] = {"page_url": "https://pages.invalid/"}
        else:
            return Step("", "failure", stderr=f"the test cannot simulate {uses}")
        return Step("", "success")

    def restore(self, given: dict[str, str]) -> None:
        caches = self.runner.caches
        entries = (
            sorted(caches.glob("*"), key=lambda p: p.stat().st_mtime) if caches.is_dir() else []
        )
        exact = caches / given["key"]
        prefixes = [p for p in given.get("restore-keys", "").split("\n") if p.strip()]
        found = exact if exact.is_dir() else None
        for entry in reversed(entries):
            if found is None and any(entry.name.startswith(p.strip()) for p in prefixes):
                found = entry
        if found is not None:
            for file in found.rglob("*"):
                if file.is_file():
                    target = self.workspace / file.relative_to(found)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, target)

    def save(self, given: dict[str, str]) -> None:
        entry = self.runner.caches / given["key"]
        patterns = [line.strip() for line in given["path"].split("\n") if line.strip()]
        found = [path for pattern in patterns for path in self.workspace.glob(pattern)]
        files = [f for path in found for f in ([path] if path.is_file() else path.rglob("*"))]
        files = [f for f in files if f.is_file()]
        if entry.exists() or not files:  # GitHub keeps an existing key; nothing to save: a warning
            return
        for file in files:
            target = entry / file.relative_to(self.workspace)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
        time.sleep(0.01)  # distinct creation times: "newest" is well defined


def _file_values(path: Path) -> dict[str, str]:
    """NAME=value lines and NAME<<DELIMITER blocks, as a runner reads $GITHUB_ENV/OUTPUT."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    lines = iter(path.read_text("utf-8").split("\n"))
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for more in lines:
                if more == delimiter:
                    break
                block.append(more)
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


def make_origin(scratch: Path, files: dict[str, str | bytes]) -> Path:
    """A bare repository holding `files` in one commit on `main`: the fork GitHub checks out."""
    source, origin = scratch / "source", scratch / "origin.git"
    source.mkdir(parents=True)
    for name, content in files.items():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, "utf-8")
    identity = ["-c", "user.name=fork", "-c", "user.email=fork@example.org"]
    _git("init", "--quiet", "--initial-branch=main", cwd=source)
    _git("add", "--force", ".", cwd=source)
    _git(*identity, "commit", "--quiet", "-m", "fork", cwd=source)
    _git("clone", "--quiet", "--bare", str(source), str(origin), cwd=scratch)
    return origin


def committed(origin: Path, path: str) -> bytes | None:
    """The bytes of `path` at the tip of the origin's main branch (None: not there)."""
    done = subprocess.run(
        ["git", "--git-dir", str(origin), "show", f"main:{path}"], capture_output=True
    )
    return done.stdout if done.returncode == 0 else None
