"""Prompt templates: TOML files under `prompts/`, checked when loaded, versioned for the cache."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from ..core.errors import InputError
from ..core.records import Paper, SummaryKind
from .fields import DEFAULT_FIELD

VARIABLES = frozenset(
    {"language", "field", "title", "categories", "abstract", "body", "terminology"}
)
REQUIRED_IN_USER = frozenset({"title", "abstract"})
# The system part is the same for every request of a run and kind (providers cache it), so it
# holds nothing of the paper.
RUN_VARIABLES = frozenset({"language", "field"})
LANGUAGE_NAMES = {
    "zh": "Simplified Chinese (简体中文)",
    "zh-cn": "Simplified Chinese (简体中文)",
    "zh-tw": "Traditional Chinese (繁體中文)",
    "en": "English",
    "ja": "Japanese (日本語)",
}


def prompts_dir() -> Path:
    """The packaged copy in a wheel, else the repository's `prompts/` beside the package."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "prompts", here.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    raise InputError(f"prompt templates not found next to {here}")


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    system: Template
    user: Template
    digest: str

    @property
    def cache_version(self) -> str:
        """Declared version plus content hash: editing a template never serves stale summaries."""
        return f"{self.name}@{self.version}+{self.digest[:10]}"

    def render(
        self,
        *,
        paper: Paper,
        language: str,
        body: str = "",
        field: str = DEFAULT_FIELD,
        terminology: str = "",
    ) -> tuple[str, str]:
        """(system, user). The system part depends on the run only (`language`, the reviewer's
        `field`); everything of the paper, its glossary lines (`terminology`) included, is in
        the user part."""
        values = {
            "language": LANGUAGE_NAMES.get(language.lower(), language),
            "field": field,
            "terminology": terminology,
            "title": paper.title,
            "categories": ", ".join(paper.categories),
            "abstract": paper.abstract,
            "body": f"\nFull text (may be truncated):\n{body}\n" if body else "",
        }
        return (
            self.system.substitute(values).strip(),
            self.user.substitute(values).strip(),
        )


def _identifiers(template: Template) -> set[str]:
    if not template.is_valid():
        raise ValueError("holds a stray '$' (write '$$' for a literal dollar sign)")
    return set(template.get_identifiers())


def parse_template(text: str, *, source: str) -> PromptTemplate:
    try:
        data = tomllib.loads(text)
        name, version = str(data["name"]), str(data["version"])
        system, user = Template(data["system"]), Template(data["user"])
        unknown = (_identifiers(system) | _identifiers(user)) - VARIABLES
        if unknown:
            raise ValueError(f"unknown variables {sorted(unknown)}; allowed: {sorted(VARIABLES)}")
        missing = REQUIRED_IN_USER - _identifiers(user)
        if missing:
            raise ValueError(f"the user part must use {sorted(missing)}")
        per_paper = _identifiers(system) - RUN_VARIABLES
        if per_paper:
            raise ValueError(
                f"the system part may use only {sorted(RUN_VARIABLES)}, not {sorted(per_paper)}"
            )
        if not data["system"].strip():
            raise ValueError("the system part is empty")
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"bad prompt template {source}: {detail}") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return PromptTemplate(name=name, version=version, system=system, user=user, digest=digest)


@cache
def load_template(kind: SummaryKind, directory: Path | None = None) -> PromptTemplate:
    path = (directory or prompts_dir()) / f"{kind}.toml"
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read prompt template {path}: {exc.strerror}") from None
    template = parse_template(text, source=str(path))
    if template.name != kind:
        raise InputError(f"bad prompt template {path}: name is {template.name!r}, not {kind!r}")
    return template
