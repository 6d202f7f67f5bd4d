"""Typed records passed between the stages, and the shapes the model must return."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .text_safety import clean_text

SummaryKind = Literal["brief", "detailed"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
MAX_POINT_DEPTH = 3

# Outside text with control and bidi-override characters removed (see text_safety). Answers
# holding them are refused before they get here; this keeps old stores and arXiv metadata clean.
CleanText = Annotated[str, BeforeValidator(lambda v: clean_text(v) if isinstance(v, str) else v)]

# Per-field limits on model answers, ~10x what a real answer holds: a megabyte field is an
# invalid answer, asked again, never published.
BriefField = Annotated[CleanText, Field(max_length=4_000)]
TranslationField = Annotated[CleanText, Field(max_length=12_000)]
LabelField = Annotated[CleanText, Field(max_length=300)]
PointText = Annotated[CleanText, Field(max_length=4_000)]
MAX_POINTS = 30  # per list


def looks_like(language: str, text: str) -> bool:
    """True when `text` reads as `language`.

    For Chinese, technical prose is full of English terms (BPSK, VoiceBank+DEMAND, ...), so we
    weigh each Han character against each English word and ask for a clear share, not purity.
    """
    if language.lower() not in {"zh", "chinese", "中文", "zh-cn", "zh-hans"}:
        return True
    han = len(_HAN.findall(text))
    words = len(_LATIN_WORD.findall(text))
    return han >= 2 and han >= 0.4 * (han + words)


def _check_text(value: str, info: ValidationInfo) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    language = (info.context or {}).get("language", "zh")
    if not looks_like(language, value):
        raise ValueError(f"must be written in {language}, got: {value[:60]!r}")
    return value.strip()


class Paper(BaseModel):
    """One arXiv paper as fetched: the id without version, the metadata of its latest version."""

    model_config = ConfigDict(frozen=True)

    id: CleanText
    version: int = Field(ge=1)
    title: CleanText
    authors: list[CleanText]
    primary_category: CleanText
    categories: list[CleanText]
    published: datetime
    abstract: CleanText
    pdf_url: CleanText
    comment: CleanText | None = None  # arXiv's author comment ("5 pages, accepted to ...")
    journal_ref: CleanText | None = None  # arXiv's journal reference, once published

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}"


class Brief(BaseModel):
    """The TL;DR the model returns for every paper."""

    model_config = ConfigDict(extra="forbid")

    tldr: BriefField
    motivation: BriefField
    method: BriefField
    result: BriefField
    conclusion: BriefField

    _text = field_validator("tldr", "motivation", "method", "result", "conclusion")(_check_text)


class Point(BaseModel):
    """One bullet of the detailed analysis; renders as `- **label**：text` with sub-points below."""

    model_config = ConfigDict(extra="forbid")

    label: LabelField
    text: PointText
    points: list[Point] = Field(max_length=MAX_POINTS)

    @model_validator(mode="after")
    def _not_blank(self) -> Point:
        if not (self.label.strip() or self.text.strip()):
            raise ValueError("a point needs a label or a text")
        return self


def _all_text(points: list[Point]) -> list[str]:
    out: list[str] = []
    for p in points:
        out += [p.label, p.text, *_all_text(p.points)]
    return out


def _depth(points: list[Point]) -> int:
    return 1 + max((_depth(p.points) for p in points), default=0) if points else 0


class Detailed(BaseModel):
    """The full translation of the abstract and the three numbered sections of 详细解读."""

    model_config = ConfigDict(extra="forbid")

    translation: TranslationField
    background: list[Point] = Field(max_length=MAX_POINTS)
    method: list[Point] = Field(max_length=MAX_POINTS)
    results: list[Point] = Field(max_length=MAX_POINTS)

    _text = field_validator("translation")(_check_text)

    @field_validator("background", "method", "results")
    @classmethod
    def _section(cls, value: list[Point], info: ValidationInfo) -> list[Point]:
        if not value:
            raise ValueError("section must hold at least one point")
        if _depth(value) > MAX_POINT_DEPTH:
            raise ValueError(f"points nest deeper than {MAX_POINT_DEPTH} levels")
        # Judged per section: a single bullet may be mostly model names and numbers.
        language = (info.context or {}).get("language", "zh")
        if not looks_like(language, "".join(_all_text(value))):
            raise ValueError(f"must be written in {language}")
        return value


SUMMARY_MODELS: dict[str, type[Brief] | type[Detailed]] = {"brief": Brief, "detailed": Detailed}


class Usage(BaseModel):
    """Tokens and requests spent; adds up across requests."""

    requests: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Summary(BaseModel):
    """A validated answer of the model for one paper version, as kept in the store."""

    paper_id: str
    version: int
    kind: SummaryKind
    prompt_version: str
    model: str
    payload: dict[str, Any]
    usage: Usage = Usage()
    source: str = "abstract"

    def brief(self) -> Brief:
        return Brief.model_validate(self.payload, context={"language": "any"})

    def detailed(self) -> Detailed:
        return Detailed.model_validate(self.payload, context={"language": "any"})

    def readable(self) -> bool:
        """Whether the stored payload still passes today's schema (limits included); one that
        does not counts as not stored and is asked for again."""
        try:
            self.brief() if self.kind == "brief" else self.detailed()
        except (ValidationError, RecursionError):
            return False
        return True


class Made(BaseModel):
    """The model and prompt version that made a summary: carried in the JSON lines, so a store
    that was lost is refilled from them (run.restore) instead of paying again."""

    model_config = ConfigDict(frozen=True)

    model: str
    prompt_version: str

    @classmethod
    def of(cls, summary: Summary) -> Made:
        return cls(model=summary.model, prompt_version=summary.prompt_version)


class UpdatedFrom(BaseModel):
    """Where a revised paper was listed before: that version, on that digest day."""

    model_config = ConfigDict(frozen=True)

    version: int = Field(ge=1)
    day: date


class Entry(BaseModel):
    """A paper placed in a digest under one of the configured categories."""

    paper: Paper
    category: str
    brief: Brief | None = None
    detailed: Detailed | None = None
    missing: list[SummaryKind] = []  # the kinds this run asked for and could not make
    # Ranking (summarizer.rank); left as is when the reader set no relevance setting.
    score: float | None = None  # similarity to the profile (0-1) plus keyword/author boosts
    why: str | None = None  # a short reason: keywords matched, the closest profile paper
    summarized: bool = True  # False: below the reader's SUMMARIZER_TOP, never asked for
    keywords: list[str] = Field(default_factory=list)  # the reader's keywords it holds
    made: dict[SummaryKind, Made] = Field(default_factory=dict)  # of each summary it holds
    # A revised paper (a new version with a changed abstract) an earlier digest listed: shown
    # under 更新, after the categories. None: a new paper of the day.
    updated_from: UpdatedFrom | None = None


class Digest(BaseModel):
    """Everything one digest file needs: the day, its window, the papers in display order."""

    day: date
    window_start: datetime
    window_end: datetime
    categories: list[str]
    fetched: int
    entries: list[Entry]
    anchor: str | None = None  # "08:50" when the window is the 24 h ending at that local time
    display_tz: str = "Asia/Shanghai"  # the zone the Jekyll header shows the window in
    recommended: list[str] = Field(default_factory=list)  # paper ids, best first (ranking on)
    top: int | None = None  # SUMMARIZER_TOP, for the "below your top N" marker
