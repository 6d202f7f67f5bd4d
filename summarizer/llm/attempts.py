"""Asking the model about one paper: the attempt loop that turns answers into a validated summary
within a fixed number of attempts, feeding validation errors back and backing off on faults."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type
from tenacity.wait import wait_random_exponential

from ..core.errors import ModelError, ModelFatalError, Stopped
from ..core.records import Brief, Detailed, Paper, SummaryKind, Usage
from ..core.text_safety import MAX_ANSWER_CHARS, clean_text
from .answers import InvalidAnswer, read_answer, visible_answer
from .client import Completion, ModelClient, TransientError
from .cost import Budget
from .failures import ShapeRejected
from .limits import AdaptiveLimiter, Pacer, Sleep
from .modes import ModeSwitch
from .providers import Profile, profiles
from .request import Guidance, messages_for
from .settings import ResponseMode
from .tokens import estimate_tokens

log = logging.getLogger(__name__)
LONG_WAIT = 30.0  # seconds: a Retry-After this long is said, once, with the time of resuming
MAX_RETRY_AFTER = 900.0  # longer than this, and the run is better off failing the paper
MAX_PROBE_REFUSALS = 10  # 429s to requests sent while probing the limit, not counted as attempts
BACKOFF_BASE = 0.5  # seconds: full jitter in [0, 0.5], then [0, 1], [0, 2], ... up to BACKOFF_MAX
BACKOFF_MAX = 30.0
FEEDBACK_ECHO_CHARS = 8_000  # of a rejected answer, sent back with the reason
EXPECTED_COMPLETION = {"brief": 700, "detailed": 2000}


@dataclass
class Outcome:
    summary: Brief | Detailed
    usage: Usage
    attempts: int
    corrections: int = 0  # variants the reader's glossary replaced in the answer


@dataclass
class Summarizer:
    """Asks the model about one paper at a time (call it concurrently); owns the attempt budget."""

    client: ModelClient
    language: str = "zh"
    mode: ResponseMode = "json_schema"
    profile: Profile = field(default_factory=lambda: profiles()["generic"])
    max_attempts: int = 3
    # The reviewer's field and the glossary (Guidance()): the field in every system prompt, a
    # paper's terms in its request, the reader's glossary correcting the answers.
    guidance: Guidance = field(default_factory=Guidance)
    limiter: AdaptiveLimiter = field(default_factory=lambda: AdaptiveLimiter(8))
    pacer: Pacer = field(default_factory=lambda: Pacer(rpm=None, tpm=None))
    budget: Budget = field(default_factory=lambda: Budget(limit=None, price=None))
    sleep: Sleep = asyncio.sleep
    # A Retry-After speaks for the endpoint, not for one paper: no request starts before it.
    _not_before: float = field(default=0.0, init=False, repr=False)
    # A refused key or a spent quota speaks for every paper: no request starts after it.
    _fatal: ModelFatalError | None = field(default=None, init=False, repr=False)
    _announced: float = field(default=0.0, init=False, repr=False)
    _stopping: bool = field(default=False, init=False, repr=False)
    in_flight: int = field(default=0, init=False)  # requests sent and not answered yet
    # The response mode every request of the run uses; a rejected shape switches it for all
    # (pass one in to share it across the days of a backfill).
    modes: ModeSwitch | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.switch = self.modes or ModeSwitch(setting=self.mode, profile=self.profile)

    async def summarize(self, paper: Paper, kind: SummaryKind, *, body: str = "") -> Outcome:
        messages = messages_for(
            kind, paper, language=self.language, body=body, guidance=self.guidance
        )
        spent = Usage()
        attempts = probes_refused = 0

        def stop(state: RetryCallState) -> bool:
            charged = state.attempt_number - probes_refused
            return charged >= self.max_attempts or probes_refused >= MAX_PROBE_REFUSALS

        retrying = AsyncRetrying(
            stop=stop,
            wait=self._wait,
            retry=retry_if_exception_type((TransientError, InvalidAnswer)),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    try:
                        completion = await self._ask(paper, kind, messages)
                    except TransientError as exc:
                        probes_refused += exc.rate_limited and exc.probing
                        raise
                    spent += completion.usage
                    try:
                        answer = read_answer(
                            completion,
                            kind=kind,
                            language=self.language,
                            glossary=self.guidance.glossary,
                        )
                    except InvalidAnswer as exc:
                        log.info("%s: attempt %d invalid: %s", paper.id, attempts, exc)
                        messages = _with_feedback(messages, completion, exc)
                        raise
                    return Outcome(
                        summary=answer.summary,
                        usage=spent,
                        attempts=attempts,
                        corrections=answer.corrections,
                    )
        except (TransientError, InvalidAnswer) as exc:
            raise ModelError(
                f"{paper.id}: no valid {kind} summary after {attempts} attempts: {exc}",
                paper_id=paper.id,
                attempts=attempts,
            ) from None
        except ModelError as exc:
            exc.paper_id, exc.attempts = exc.paper_id or paper.id, attempts
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _ask(
        self, paper: Paper, kind: SummaryKind, messages: list[dict[str, str]]
    ) -> Completion:
        """One attempt. A request shape the endpoint refuses is a setting problem, not the
        paper's: the run switches mode (or stops) and the paper is asked again at no attempt."""
        while True:
            try:
                return await self._request(paper, kind, messages)
            except ShapeRejected as exc:
                try:
                    self.switch.rejected(exc)
                except ModelFatalError as fatal:
                    self._fatal = self._fatal or fatal
                    raise
                log.info("%s: request shape %s rejected; asking again", paper.id, exc.mode)

    async def _request(
        self, paper: Paper, kind: SummaryKind, messages: list[dict[str, str]]
    ) -> Completion:
        self._stop_if_fatal(paper)
        hold = self._not_before - time.monotonic()
        if hold > 0:
            await self.sleep(hold)
        prompt_tokens = sum(estimate_tokens(m["content"]) for m in messages)
        estimate = Usage(prompt_tokens=prompt_tokens, completion_tokens=EXPECTED_COMPLETION[kind])
        ticket = await self.limiter.acquire()
        try:
            # Reserved with a slot in hand, so only requests about to start hold budget.
            reservation = await self.budget.reserve(estimate, paper_id=paper.id)
        except BaseException:
            await self.limiter.release(ok=False, ticket=ticket)
            raise
        actual = Usage()
        answered = rate_limited = False
        try:
            await self.pacer.wait(self.budget.expected(estimate).total_tokens)
            self._stop_if_fatal(paper)  # checked last thing before sending: waits are long
            extra = dict(self.switch.extra)
            self.in_flight += 1
            probing = self.limiter.probing
            try:
                completion = await self.client.complete(
                    messages=messages, kind=kind, mode=self.switch.current, extra=extra
                )
            finally:
                self.in_flight -= 1
            completion.usage = _counted(completion, prompt_tokens=prompt_tokens)
            actual, answered = completion.usage, True
            return completion
        except ShapeRejected as exc:
            answered = True  # the endpoint is fine; only the request shape was wrong
            exc.sent = extra
            raise
        except ModelFatalError as exc:
            self._fatal = self._fatal or exc
            raise
        except TransientError as exc:
            rate_limited, exc.probing = exc.rate_limited, probing
            if exc.retry_after is not None:
                wait = min(exc.retry_after, MAX_RETRY_AFTER)
                self._not_before = max(self._not_before, time.monotonic() + wait)
                self._say_long_wait(exc.retry_after)
            log.info("%s: %s", paper.id, exc)
            raise
        finally:
            await self.limiter.release(rate_limited=rate_limited, ok=answered, ticket=ticket)
            self.budget.settle(reservation, actual)

    def _say_long_wait(self, asked: float) -> None:
        """A long Retry-After is said once (not per paper), with when requests resume."""
        if self._not_before - self._announced < LONG_WAIT:
            return
        self._announced = self._not_before
        resume = datetime.now(UTC) + timedelta(seconds=self._not_before - time.monotonic())
        log.warning(
            "the model endpoint asks to wait %.0f s (Retry-After); no request starts until "
            "%s UTC, then the run resumes",
            asked,
            resume.strftime("%H:%M:%S"),
        )

    def stop(self) -> None:
        """No request starts from now on (a signal arrived); those in flight may finish."""
        self._stopping = True

    def _stop_if_fatal(self, paper: Paper) -> None:
        if self._fatal is not None:
            raise ModelFatalError(str(self._fatal), paper_id=paper.id, detail=self._fatal.detail)
        if self._stopping:
            raise Stopped(f"{paper.id}: not asked, the run is stopping", paper_id=paper.id)

    @staticmethod
    def _wait(state: RetryCallState) -> float:
        """Jittered exponential backoff after a transient fault. A Retry-After is honoured by
        the gate at the top of `_request` instead, which every paper's next request passes."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientError) and exc.retry_after is None:
            return float(wait_random_exponential(multiplier=BACKOFF_BASE, max=BACKOFF_MAX)(state))
        return 0.0


def _counted(completion: Completion, *, prompt_tokens: int) -> Usage:
    """The usage an answer is charged: as reported, but a count the endpoint left out (or sent
    negative, clamped to 0 by the client) is our own, so `--max-cost` always sees the request."""
    usage = completion.usage
    if usage.prompt_tokens <= 0:
        usage = usage.model_copy(update={"prompt_tokens": prompt_tokens})
    if usage.completion_tokens <= 0:
        said = completion.text or completion.refusal or ""
        usage = usage.model_copy(
            update={"completion_tokens": estimate_tokens(said[:MAX_ANSWER_CHARS])}
        )
    return usage


def _with_feedback(
    messages: list[dict[str, str]], completion: Completion, exc: InvalidAnswer
) -> list[dict[str, str]]:
    """The request again with the rejected answer and why, so the next attempt can correct it;
    an empty turn is never sent (some endpoints reject it), nor reasoning. The answer is cleaned
    and cut: a megabyte answer is not paid for twice, and a lone surrogate cannot break the next
    request's encoding."""
    said = visible_answer(completion.text) or completion.refusal or "(no answer)"
    said = clean_text(said)[:FEEDBACK_ECHO_CHARS] or "(no answer)"
    return [
        *messages[:2],
        {"role": "assistant", "content": said},
        {"role": "user", "content": _feedback(exc)},
    ]


def _feedback(exc: InvalidAnswer) -> str:
    return (
        f"Your previous answer was rejected: {exc}. Answer again with exactly one JSON object "
        "with the requested keys, every text in the requested language, and nothing else."
    )


__all__ = ["Outcome", "Summarizer"]
