"""summarizer: each arXiv mailing as a Chinese digest, made by an LLM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core.errors import SummarizerError

if TYPE_CHECKING:
    from .core.records import Brief, Detailed, Paper

__version__ = "0.1.0"
__all__ = ["Brief", "Detailed", "Paper", "SummarizerError", "__version__"]


def __getattr__(name: str) -> Any:
    # The records load pydantic; `summarizer --help` must not pay for that (see cli.py).
    if name in {"Brief", "Detailed", "Paper"}:
        from .core import records as models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
