"""What tokens cost: a price table kept as data, overridable, and a budget for `--max-cost`."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ..core.errors import BudgetExceeded, InputError
from ..core.records import Usage

PER_MILLION = 1_000_000


class Price(BaseModel):
    """USD per million tokens: fresh prompt tokens, prompt tokens served from the provider's
    prompt cache, completion tokens."""

    input: float = Field(ge=0)
    cached_input: float = Field(ge=0)
    output: float = Field(ge=0)
    # The provider's Batch API price, where the table lists one (else half the live price).
    batch_input: float | None = Field(None, ge=0)
    batch_cached_input: float | None = Field(None, ge=0)
    batch_output: float | None = Field(None, ge=0)

    def for_batch(self) -> Price:
        """The price of the same tokens through the Batch API: the listed batch price, else half
        the live price (OpenAI and DashScope both document 50 %)."""
        return Price(
            input=self.input / 2 if self.batch_input is None else self.batch_input,
            cached_input=(
                self.cached_input / 2
                if self.batch_cached_input is None
                else self.batch_cached_input
            ),
            output=self.output / 2 if self.batch_output is None else self.batch_output,
        )

    def cost(self, usage: Usage) -> float:
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        fresh = usage.prompt_tokens - cached
        return (
            fresh * self.input + cached * self.cached_input + usage.completion_tokens * self.output
        ) / PER_MILLION


def load_prices(override: Path | None = None) -> dict[str, Price]:
    """The shipped table (`summarizer/data/prices.json`), entries of `override` replacing it by
    model name. Keys starting with `_` are comments."""
    raw: dict[str, Any] = json.loads(
        resources.files("summarizer").joinpath("data/prices.json").read_text("utf-8")
    )
    if override is not None:
        try:
            extra = json.loads(override.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read SUMMARIZER_PRICES {override}: {exc}") from None
        if not isinstance(extra, dict):
            raise InputError(
                f"SUMMARIZER_PRICES {override} must hold one JSON object "
                '{"model": {"input": .., "cached_input": .., "output": ..}}'
            )
        raw.update(extra)
    prices: dict[str, Price] = {}
    for name, value in raw.items():
        if name.startswith("_"):
            continue
        try:
            prices[name] = Price.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            detail = f"{where}: {first['msg']}" if where else first["msg"]
            raise InputError(f"bad price for model {name!r}: {detail}") from None
    return prices


def price_for(model: str, prices: dict[str, Price]) -> Price | None:
    """Exact name first, else the longest listed prefix (gpt-4o-mini-2024-07-18 -> gpt-4o-mini)."""
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name)]
    return prices[max(matches, key=len)] if matches else None


def usage_since(before: Usage, after: Usage) -> Usage:
    """What was spent between two readings of a running total."""
    return Usage(**{k: getattr(after, k) - getattr(before, k) for k in Usage.model_fields})


@dataclass(frozen=True)
class Reservation:
    amount: float
    estimate: Usage


class Budget:
    """Every request's cost, and the `--max-cost` cap on them.

    A request may start only when what was spent, plus what the requests in flight may still
    cost, plus its own estimate stays within the cap. When it does not fit now but would once the
    requests in flight have settled (their estimates are generous), it waits for them; when it
    cannot fit at all, the budget is exhausted and no request starts any more. Estimates learn
    from the answers: prompt tokens the provider counts beyond ours (schema, message framing) and
    the longest answer seen are added, so a cap is not passed by trusting a low guess twice.
    Cached prompt tokens are never assumed in an estimate.
    """

    def __init__(self, *, limit: float | None, price: Price | None) -> None:
        if limit is not None and price is None:
            raise InputError(
                "--max-cost needs a price for the model; add one via SUMMARIZER_PRICES"
            )
        self.limit = limit
        self.price = price
        self.spent = 0.0
        self.reserved = 0.0
        self.usage = Usage()  # every settled request, answered or not
        self.exhausted = False
        self.refused = 0
        self._pending = 0
        self._prompt_extra = 0
        self._longest_answer = 0
        self._waiters: list[asyncio.Future[None]] = []

    def cost(self, usage: Usage) -> float:
        return self.price.cost(usage) if self.price else 0.0

    def expected(self, estimate: Usage) -> Usage:
        """`estimate` raised by what earlier answers taught."""
        return Usage(
            requests=estimate.requests,
            prompt_tokens=estimate.prompt_tokens + self._prompt_extra,
            completion_tokens=max(estimate.completion_tokens, self._longest_answer),
        )

    async def reserve(self, estimate: Usage, *, paper_id: str) -> Reservation:
        while True:
            amount = self.cost(self.expected(estimate))
            if self.limit is None or (
                not self.exhausted and self.spent + self.reserved + amount <= self.limit
            ):
                break
            if self.exhausted or self._pending == 0 or self.spent + amount > self.limit:
                self._exhaust()
                self.refused += 1
                raise BudgetExceeded(
                    f"--max-cost {self.limit:.4f} USD would be passed "
                    f"(spent {self.spent:.4f}); not starting {paper_id}",
                    paper_id=paper_id,
                )
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.reserved += amount
        self._pending += 1
        return Reservation(amount=amount, estimate=estimate)

    def settle(self, reservation: Reservation, actual: Usage) -> None:
        self.reserved = max(0.0, self.reserved - reservation.amount)
        self._pending -= 1
        self.spent += self.cost(actual)
        self.usage += actual
        if actual.requests and actual.prompt_tokens:
            extra = actual.prompt_tokens - reservation.estimate.prompt_tokens
            self._prompt_extra = max(self._prompt_extra, extra)
            self._longest_answer = max(self._longest_answer, actual.completion_tokens)
        self._wake()

    def _exhaust(self) -> None:
        self.exhausted = True
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
