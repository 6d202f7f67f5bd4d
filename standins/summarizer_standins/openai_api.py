"""A local stand-in for an OpenAI-compatible chat-completions endpoint, with switchable faults.

`POST /v1/chat/completions` answers as the openai SDK expects. The paper is recognized by a known
title inside the last user message (whitespace collapsed on both sides); the kind by the field
names the request mentions (`translation` -> detailed, `tldr` -> brief). Known papers get their
fixture answer, others a deterministic Chinese answer from `synthetic.synthetic_answer`.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

from .batch_api import BatchAPI
from .chat_format import (
    ERRORS,
    MODEL_FAULTS,
    TITLE_LINE,
    chat_completion,
    collapse,
    request_kind,
    text_of,
)
from .embeddings import answer_with_fault, embeddings_answer
from .fixtures import Fixture
from .provider_zoo import BEHAVIOURS, model_list, rejection, reshape
from .server import BackgroundServer, drop_connection, read_body, send
from .synthetic import synthetic_answer


class ModelStandin(BackgroundServer):
    """`with ModelStandin(answers) as s:` serves chat completions at `s.base_url`.

    `answers` maps a paper title to `{"brief": {...} | None, "detailed": {...} | None}`; `titles`
    adds papers known by title only (answered synthetically, counted under their title).
    """

    def __init__(
        self,
        answers: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        titles: Iterable[str] = (),
        seed: int = 0,
        expected_key: str | None = None,
        latency: tuple[float, float] = (0.0, 0.0),
        max_in_flight: int | None = None,
        rpm_limit: int | None = None,
    ) -> None:
        super().__init__()
        self.expected_key = expected_key
        self.latency = latency
        self.max_in_flight = max_in_flight
        self.rpm_limit = rpm_limit
        self.retry_after = "1"
        self.hang_seconds = 30.0
        self.cached_prefix_tokens = 0
        self.keep_bodies = True
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.first_request_at: float | None = None  # time.perf_counter() of the first request
        self.by_paper: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()
        self.bodies: list[Any] = []
        self.embedding_requests = 0  # `/v1/embeddings`, counted apart from chat `requests`
        self.embedded_inputs = 0
        self.max_embedding_inputs = 2048
        self.embedding_fault: str | None = (
            None  # every embeddings answer spoiled (EMBEDDING_FAULTS)
        )
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._answers: dict[str, dict[str, Any]] = {}
        self._titles: dict[str, str] = {}  # collapsed title -> title
        self._accepted: deque[float] = deque()
        self._attempts: Counter[tuple[str, str]] = Counter()
        self._first: list[str] = []
        self._queue: deque[str] = deque()
        self._random: tuple[float, random.Random] | None = None
        self._always: str | None = None
        self.behaviours: frozenset[str] = frozenset()  # see provider_zoo
        self.served_models: list[str] = []  # listed at GET /v1/models when set
        for title, answer in (answers or {}).items():
            self._answers[title] = {k: answer.get(k) for k in ("brief", "detailed")}
        for title in titles:
            self._answers.setdefault(title, {"brief": None, "detailed": None})
        self._titles = {collapse(title): title for title in self._answers}
        self.batch_api = BatchAPI(self, seed=seed)  # /v1/files and /v1/batches

    @classmethod
    def from_fixture(cls, fixture: Fixture, **kwargs: Any) -> ModelStandin:
        answers = {
            r.paper.title: {"brief": r.brief, "detailed": r.detailed} for r in fixture.records
        }
        return cls(answers, **kwargs)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def add_answer(
        self,
        title: str,
        brief: dict[str, Any] | None = None,
        detailed: dict[str, Any] | None = None,
    ) -> None:
        """Know `title`; answer it with `brief` / `detailed`, or synthetically where None."""
        with self._lock:
            self._answers[title] = {"brief": brief, "detailed": detailed}
            self._titles = {**self._titles, collapse(title): title}  # readers take no lock

    # --- faults ---------------------------------------------------------------------------------

    def fail_first(self, kinds: list[str]) -> None:
        """Every paper's k-th request of each kind gets `kinds[k]`; counting restarts now."""
        self._check(kinds)
        with self._lock:
            self._first = list(kinds)
            self._attempts.clear()

    def fail_next(self, *kinds: str) -> None:
        """Queue faults for the next requests, one each, in order, whatever the paper."""
        self._check(kinds)
        with self._lock:
            self._queue.extend(kinds)

    def random_5xx(self, rate: float, seed: int = 0) -> None:
        """Answer a share `rate` of the otherwise healthy requests with 500, 502 or 503."""
        with self._lock:
            self._random = (rate, random.Random(seed)) if rate > 0 else None

    def always(self, kind: str | None) -> None:
        """Give every request fault `kind` (None: stop)."""
        self._check([kind] if kind else [])
        with self._lock:
            self._always = kind

    def behave(self, *names: str) -> None:
        """Answer as the provider-zoo behaviours `names` do (none: a plain endpoint again)."""
        unknown = set(names) - BEHAVIOURS
        if unknown:
            raise ValueError(f"unknown behaviour {sorted(unknown)}; known: {sorted(BEHAVIOURS)}")
        self.behaviours = frozenset(names)

    def clear_faults(self) -> None:
        with self._lock:
            self._first, self._random, self._always = [], None, None
            self._queue.clear()
            self._attempts.clear()

    @staticmethod
    def _check(kinds: Iterable[str]) -> None:
        unknown = set(kinds) - MODEL_FAULTS
        if unknown:
            raise ValueError(f"unknown fault {sorted(unknown)}; known: {sorted(MODEL_FAULTS)}")

    def reset_counters(self) -> None:
        """Zero requests, by_paper, status_counts, bodies and peak_in_flight (faults stay)."""
        with self._lock:
            self.requests, self.peak_in_flight = 0, self.in_flight
            self.first_request_at = None
            self.embedding_requests = self.embedded_inputs = 0
            self.by_paper.clear()
            self.status_counts.clear()
            self.bodies = []

    # --- serving --------------------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        if self.batch_api.handles(handler.path):  # not a chat request: not counted as one
            return self.batch_api.handle(handler, method)
        if method == "GET" and handler.path.rstrip("/") == "/v1/models" and self.served_models:
            return self._reply(handler, 200, model_list(self.served_models))
        if self.first_request_at is None:
            self.first_request_at = time.perf_counter()
        raw = read_body(handler)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if method == "POST" and handler.path.split("?")[0].rstrip("/") == "/v1/embeddings":
            return self._embeddings(handler, body)
        with self._lock:
            self.requests += 1
            number = self.requests
            if self.keep_bodies:
                self.bodies.append(body)
        if method != "POST" or handler.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            return self._error(
                handler,
                404,
                f"Unknown request URL: {method} {handler.path}.",
                "invalid_request_error",
                "unknown_url",
            )
        auth = handler.headers.get("Authorization", "")
        key = auth[7:].strip() if auth.startswith("Bearer ") else ""
        if not key:
            return self._error(
                handler, 401, "You didn't provide an API key.", "invalid_request_error", None
            )
        if self.expected_key is not None and key != self.expected_key:
            return self._error(handler, *ERRORS["401"])
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return self._error(
                handler,
                400,
                "We could not parse the JSON body of your request.",
                "invalid_request_error",
                None,
            )
        refused = rejection(self.behaviours, body)
        if refused is not None:
            return self._reply(handler, *refused)
        messages_text = "\n".join(
            text_of(m.get("content")) for m in body["messages"] if isinstance(m, dict)
        )
        paper, kind = self._identify(body), request_kind(body, messages_text)
        verdict = self._admit(paper, kind)
        if isinstance(verdict, int):
            return self._error(handler, *ERRORS["429"], headers={"Retry-After": str(verdict)})
        try:
            self._serve(handler, body, messages_text, paper, kind, verdict, number)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _identify(self, body: dict[str, Any]) -> str:
        users = [m for m in body["messages"] if isinstance(m, dict) and m.get("role") == "user"]
        texts = [text_of(m.get("content")) for m in users] or [""]
        titles = self._titles
        # The latest user turn that names a paper: a correction turn ("your previous answer was
        # rejected...") follows the turn holding the paper, as in any multi-turn conversation.
        for text in reversed(texts):
            collapsed = collapse(text)
            found = [t for t in titles if t in collapsed]
            if found:
                return titles[max(found, key=len)]
            m = TITLE_LINE.search(text)
            if m:
                return collapse(m.group(1))
        collapsed = collapse(texts[-1])
        return "synthetic-" + hashlib.sha1(collapsed.encode("utf-8")).hexdigest()[:12]

    def _embeddings(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return self._error(
                handler, 401, "You didn't provide an API key.", "invalid_request_error", None
            )
        if self.expected_key is not None and auth[7:].strip() != self.expected_key:
            return self._error(handler, *ERRORS["401"])
        status, payload, inputs = embeddings_answer(body, max_inputs=self.max_embedding_inputs)
        with self._lock:
            self.embedding_requests += 1
            self.embedded_inputs += inputs
        if status == 200 and self.embedding_fault is not None:
            fault = self.embedding_fault
            return answer_with_fault(self, handler, payload, fault, hang_seconds=self.hang_seconds)
        self._reply(handler, status, payload)

    def _admit(self, paper: str, kind: str) -> int | str | None:
        """Either a Retry-After (in seconds) for a 429 now, or the fault to apply (None: none)."""
        now = time.monotonic()
        with self._lock:
            self.by_paper[paper] += 1
            if self.max_in_flight is not None and self.in_flight >= self.max_in_flight:
                return 1
            while self._accepted and now - self._accepted[0] >= 60:
                self._accepted.popleft()
            if self.rpm_limit is not None and len(self._accepted) >= self.rpm_limit:
                return max(1, math.ceil(60 - (now - self._accepted[0])))
            self._accepted.append(now)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            attempt = self._attempts[(paper, kind)]
            self._attempts[(paper, kind)] += 1
            if self._always:
                return self._always
            if self._queue:
                return self._queue.popleft()
            if attempt < len(self._first):
                return self._first[attempt]
            if self._random and self._random[1].random() < self._random[0]:
                return self._random[1].choice(["500", "502", "503"])
            return None

    def _serve(
        self,
        handler: BaseHTTPRequestHandler,
        body: dict[str, Any],
        messages_text: str,
        paper: str,
        kind: str,
        fault: str | None,
        number: int,
    ) -> None:
        if fault == "reset":
            return drop_connection(handler)
        if fault in ERRORS:
            headers = {"Retry-After": self.retry_after} if fault == "429" else None
            return self._error(handler, *ERRORS[fault], headers=headers)
        if fault == "timeout":
            self.pause(self.hang_seconds)
        mean, jitter = self.latency
        with self._lock:
            delay = self._rng.uniform(mean - jitter, mean + jitter) if mean or jitter else 0.0
        self.pause(delay)

        payload = self._completion(body, messages_text, paper, kind, fault=fault, number=number)
        self._reply(handler, 200, payload, {"x-request-id": f"req_standin{number:06d}"})

    def batch_answer(
        self, body: dict[str, Any], *, number: int, fault: str | None
    ) -> tuple[str, dict[str, Any]]:
        """(paper, chat completion) for one request line of a batch: the answer a live request
        with this body would get (content fault `fault` applied)."""
        messages = body.get("messages") or []
        messages_text = "\n".join(
            text_of(m.get("content")) for m in messages if isinstance(m, dict)
        )
        paper, kind = self._identify(body), request_kind(body, messages_text)
        return paper, self._completion(body, messages_text, paper, kind, fault=fault, number=number)

    def _completion(
        self,
        body: dict[str, Any],
        messages_text: str,
        paper: str,
        kind: str,
        *,
        fault: str | None,
        number: int,
    ) -> dict[str, Any]:
        """The chat completion answering `body`: the recorded answer for the paper, else a
        synthetic one, with content fault `fault` and the provider behaviours applied."""
        with self._lock:
            known = self._answers.get(paper, {}).get(kind)
            cached = self.cached_prefix_tokens
        answer = known if known is not None else synthetic_answer(kind, paper)
        payload = chat_completion(
            body,
            messages_text=messages_text,
            paper=paper,
            kind=kind,
            answer=answer,
            fault=fault,
            number=number,
            cached_prefix_tokens=cached,
        )
        return reshape(self.behaviours, payload)

    def _error(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        message: str,
        type_: str,
        code: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        error = {"error": {"message": message, "type": type_, "param": None, "code": code}}
        self._reply(handler, status, error, headers)

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        with self._lock:
            self.status_counts[status] += 1
        if isinstance(payload, str):  # some front ends answer errors in plain text
            return send(handler, status, payload.encode("utf-8"), "text/plain", headers)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        send(handler, status, data, "application/json", headers)
