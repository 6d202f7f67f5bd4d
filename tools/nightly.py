"""The two decisions of the GitHub Actions nightly (.github/workflows/nightly.yml) that shell does
badly, run inside the job after `pip install .`:

    python tools/nightly.py settings   # the repository's variables and the site URL -> the run
    python tools/nightly.py made DIR   # exit 1 when the newest day under DIR has no summary

`settings` reads the repository's variables (VARIABLES, the job's `toJSON(vars)`) and appends to
$GITHUB_ENV each one that names a setting and is not blank: a blank variable exported as '' would
hide the same setting in summarizer.toml. It derives the site's public URL from GITHUB_REPOSITORY,
set on every event (`github.event.repository` is empty on `schedule`): owner/name is served at
https://owner.github.io/name, the user or organization site owner/owner.github.io at
https://owner.github.io; a URL the settings already give (a custom domain) is kept. It writes
`push=true` to $GITHUB_OUTPUT when the settings name push channels (`push = [...]`).

`made` reads the newest `DIR/data/D.jsonl`: a day whose every paper lacks its summaries must not
be published as if the nightly had worked.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

# What a repository variable may set: the settings of summarizer, the endpoint's non-secret
# OpenAI settings, arXiv's. A secret never travels as a variable (variables are not masked).
SETTING = re.compile(r"SUMMARIZER_[A-Z0-9_]+|OPENAI_(?:BASE_URL|ORG_ID|PROJECT_ID)|ARXIV_[A-Z_]+")
DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.jsonl")


def site_url(repository: str) -> str:
    """Where GitHub Pages serves the repository `owner/name`."""
    owner, _, name = repository.partition("/")
    host = f"{owner.lower()}.github.io"
    return f"https://{host}" if name.lower() == host else f"https://{host}/{name}"


def variables(raw: str) -> dict[str, str]:
    """The repository variables that set something, blank ones left out; a line break (which
    $GITHUB_ENV cannot carry on one line) is refused."""
    found = json.loads(raw or "{}")
    chosen = {}
    for name, value in found.items():
        text = str(value)
        if not SETTING.fullmatch(name) or not text.strip():
            continue
        if "\n" in text or "\r" in text:
            raise SystemExit(f"::error::the variable {name} holds a line break; give it one line")
        chosen[name] = text
    return chosen


def settings() -> None:
    chosen = variables(os.environ.get("VARIABLES", ""))
    os.environ.update(chosen)
    from summarizer.core.errors import SummarizerError
    from summarizer.run.settings import load_settings

    try:
        resolved: Any = load_settings()
    except SummarizerError:
        resolved = None  # the digest step reports the bad setting in one line (exit 2)
    derived = site_url(os.environ["GITHUB_REPOSITORY"])
    if resolved is None or resolved.publish.site_url is None:
        chosen["SUMMARIZER_SITE_URL"] = derived
    push = bool(resolved and resolved.deliver.push)
    with open(os.environ["GITHUB_ENV"], "a", encoding="utf-8") as env:
        env.writelines(f"{name}={value}\n" for name, value in chosen.items())
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
        output.write(f"push={'true' if push else 'false'}\n")
    site = chosen.get("SUMMARIZER_SITE_URL") or (resolved and resolved.publish.site_url)
    names = ", ".join(sorted(set(chosen) - {"SUMMARIZER_SITE_URL"})) or "none"
    print(f"variables used: {names}; site: {site}; push: {'on' if push else 'off'}")


def made(out: Path) -> int:
    days = sorted(p for p in (out / "data").glob("*.jsonl") if DAY_FILE.fullmatch(p.name))
    if not days:
        print(f"::error::no digest was written under {out}: nothing to publish")
        return 1
    rows = [json.loads(line) for line in days[-1].read_text("utf-8").split("\n") if line.strip()]
    asked = [row for row in rows if row.get("summarized") is not False]
    if asked and not any(row.get("brief") or row.get("detailed") for row in asked):
        print(
            f"::error::no paper of {days[-1].stem} got a summary (the lines above say why): "
            "nothing is published"
        )
        return 1
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["settings"]:
        settings()
        return 0
    if argv[:1] == ["made"] and len(argv) == 2:
        return made(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
