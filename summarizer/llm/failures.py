"""What an HTTP error from the model endpoint means for the run: an account or settings problem
that stops it (with the provider's own reason and the setting to change), a request shape the
endpoint does not take (the caller switches response mode), or a problem of one paper."""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
from typing import Any
from urllib.parse import urlparse

from ..core.errors import ModelError, ModelFatalError
from ..core.redaction import redact
from .providers import Profile, reason_of

log = logging.getLogger(__name__)
DETAIL_CHARS = 2000


class ShapeRejected(Exception):
    """The endpoint does not take this request shape (response_format json_schema on DeepSeek,
    tools on a thinking model): a setting problem, never a paper's."""

    def __init__(
        self,
        mode: str,
        *,
        status: int,
        reason: str,
        detail: str,
        needs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"HTTP {status}: {reason}")
        self.mode, self.status, self.reason, self.detail = mode, status, reason, detail
        self.needs = needs or {}  # body fields the endpoint demands, whatever the mode
        self.sent: dict[str, Any] = {}  # the run's added fields this request went out with


class UnknownModel(ModelFatalError):
    """The endpoint serves no model of that name; the message may list those it does serve."""


def detail_of(body: Any, text: str = "") -> str:
    """The error body as kept in the run record: redacted and bounded."""
    raw = json.dumps(body, ensure_ascii=False) if body is not None else text
    return redact(raw)[:DETAIL_CHARS]


class ErrorReader:
    """Turns error responses into exceptions, and shows each distinct provider error body once
    (with -v) rather than once per paper."""

    def __init__(self, *, profile: Profile, model: str, base_url: str | None) -> None:
        self.profile, self.model = profile, model
        self.base_url = (base_url or "https://api.openai.com/v1").rstrip("/")
        self._shown: set[tuple[int, str]] = set()

    def show_once(self, status: int, detail: str) -> bool:
        """Log the body the first time it is seen; True when it was new."""
        if (status, detail) in self._shown:
            return False
        self._shown.add((status, detail))
        log.info("the model endpoint answered HTTP %d: %s", status, detail)
        return True

    def status_error(self, *, status: int, body: Any, text: str, mode: str) -> Exception:
        """The exception for a 4xx (other than a plain rate limit) answered to a `mode` request."""
        detail = detail_of(body, text)
        new = self.show_once(status, detail)
        reason = reason_of(body if body is not None else text) or "no reason given"
        meaning = self.profile.means(detail)
        provider = "" if self.profile.name == "generic" else f" ({self.profile.name})"

        def fatal(message: str) -> ModelFatalError:
            return ModelFatalError(message, detail=detail)

        if status == 402 or (meaning == "no_balance" and status in {400, 402, 403, 429}):
            return fatal(
                f"the model provider{provider} says the account cannot pay "
                f"(HTTP {status}): {reason}; top up the account or set OPENAI_API_KEY to a key "
                "with balance or quota"
            )
        if status in {401, 403} or (meaning == "bad_key" and status == 400):
            return fatal(
                f"the model endpoint refused access (HTTP {status}): {reason}; "
                "check OPENAI_API_KEY and OPENAI_BASE_URL"
            )
        if "enable_thinking" in detail.casefold() and status == 400:
            # Qwen3 served without streaming (DashScope, ModelScope, new-api proxies).
            needs = {"enable_thinking": False}
            return ShapeRejected(mode, status=status, reason=reason, detail=detail, needs=needs)
        if meaning == "shape" and status in {400, 422}:
            return ShapeRejected(mode, status=status, reason=reason, detail=detail)
        if meaning == "unknown_model" and status in {400, 404}:
            return UnknownModel(
                f"the model endpoint has no model {self.model!r} (HTTP {status}): {reason}; "
                "set SUMMARIZER_MODEL to a model it serves",
                detail=detail,
            )
        if status == 404:
            return fatal(
                f"the model endpoint has no chat-completions path at {self.base_url}"
                f"/chat/completions (HTTP 404): {reason}; check OPENAI_BASE_URL "
                "(a missing /v1 at its end is the usual cause)"
            )
        if not new:
            log.debug("the same HTTP %d again: %s", status, reason)
        return ModelError(
            f"the model endpoint rejected the request (HTTP {status}): {reason}", detail=detail
        )

    def unreachable(self, cause: BaseException | None) -> ModelFatalError:
        host = urlparse(self.base_url).netloc or self.base_url
        why = " ".join(redact(_root_cause(cause)).split())[:160]
        return ModelFatalError(
            f"cannot reach the model endpoint at {host} ({why or 'connection failed'}); "
            "check OPENAI_BASE_URL and that the server is running",
            detail=why,
        )


def _root_cause(exc: BaseException | None) -> str:
    """The most specific words in a chain of exceptions: the OS's own ("Connection refused")
    rather than the HTTP library's summary ("All connection attempts failed")."""
    best, seen = "", 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLError | socket.gaierror) and exc.strerror:
            return str(exc.strerror)
        if isinstance(exc, OSError) and exc.errno and exc.errno > 0:
            return os.strerror(exc.errno)
        best = best or str(exc) or type(exc).__name__
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return best


__all__ = ["ErrorReader", "ShapeRejected", "UnknownModel", "detail_of"]
