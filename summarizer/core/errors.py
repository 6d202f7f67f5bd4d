"""One base class for all the package raises on purpose; the CLI turns these into messages."""

from __future__ import annotations


class SummarizerError(Exception):
    """Base class. `exit_code` is what the CLI exits with when this ends a command."""

    exit_code = 1


class InputError(SummarizerError):
    """Bad input or settings: a malformed date, id or category, a missing key."""

    exit_code = 2


class PaperNotFound(InputError):
    def __init__(self, paper_id: str) -> None:
        super().__init__(f"arXiv has no paper {paper_id}")
        self.paper_id = paper_id


class FetchError(SummarizerError):
    """arXiv could not be read completely, even after retries."""

    exit_code = 3

    def __init__(self, message: str, *, url: str = "", attempts: int = 0) -> None:
        super().__init__(message)
        self.url = url
        self.attempts = attempts


class ModelError(SummarizerError):
    """The model gave no usable answer for one paper, after every allowed attempt."""

    def __init__(
        self, message: str, *, paper_id: str = "", attempts: int = 0, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.paper_id = paper_id
        self.attempts = attempts
        self.detail = detail  # the provider's error body, redacted, for the run record


class ModelFatalError(ModelError):
    """An answer that no retry will change (bad key, no permission, no quota): stop the run."""

    exit_code = 3


class Stopped(ModelError):
    """Not asked: the run is stopping (a signal arrived)."""


class BudgetExceeded(ModelError):
    """Starting this request would pass `--max-cost`."""


class StoreError(SummarizerError):
    """The store cannot be used: not ours (exit 2, point SUMMARIZER_CACHE elsewhere), or it
    cannot be written now (locked past a long wait, read-only, disk full: exit 3)."""

    exit_code = 3

    def __init__(self, message: str, *, exit_code: int = 3) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class OutputError(SummarizerError):
    """A digest file could not be written; the summaries are in the store already."""

    exit_code = 3
