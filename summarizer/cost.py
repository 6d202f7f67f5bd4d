"""What tokens cost: a price table kept as data, overridable, and a budget for `--max-cost`."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .errors import BudgetExceeded, InputError
from .models import Usage

PER_MILLION = 1_000_000


class Price(BaseModel):
    """USD per million tokens."""

    input: float
    cached_input: float
    output: float

    def cost(self, usage: Usage) -> float:
        fresh = max(usage.prompt_tokens - usage.cached_tokens, 0)
        return (
            fresh * self.input
            + usage.cached_tokens * self.cached_input
            + usage.completion_tokens * self.output
        ) / PER_MILLION


def load_prices(override: Path | None = None) -> dict[str, Price]:
    raw = json.loads(resources.files("summarizer").joinpath("data/prices.json").read_text("utf-8"))
    if override is not None:
        try:
            raw.update(json.loads(override.read_text("utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read SUMMARIZER_PRICES {override}: {exc}") from None
    try:
        return {k: Price.model_validate(v) for k, v in raw.items() if not k.startswith("_")}
    except ValidationError as exc:
        raise InputError(f"bad price table: {exc.errors()[0]['msg']}") from None


def price_for(model: str, prices: dict[str, Price]) -> Price | None:
    """Exact name first, then the longest known prefix (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`)."""
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name)]
    return prices[max(matches, key=len)] if matches else None


class Budget:
    """Stops new requests once spent + reserved + this request's estimate would pass the cap."""

    def __init__(self, *, limit: float | None, price: Price | None) -> None:
        if limit is not None and price is None:
            raise InputError(
                "--max-cost needs a price for the model; add one via SUMMARIZER_PRICES"
            )
        self.limit = limit
        self.price = price
        self.spent = 0.0
        self.reserved = 0.0

    def reserve(self, estimate: Usage, *, paper_id: str) -> float:
        amount = self.price.cost(estimate) if self.price else 0.0
        if self.limit is not None and self.spent + self.reserved + amount > self.limit:
            raise BudgetExceeded(
                f"--max-cost {self.limit:.4f} USD would be passed; not starting {paper_id}",
                paper_id=paper_id,
            )
        self.reserved += amount
        return amount

    def settle(self, reserved: float, actual: Usage) -> None:
        self.reserved -= reserved
        self.spent += self.price.cost(actual) if self.price else 0.0
