"""Tokens and cost: prices as data, per-request accounting with cached prompt tokens, the
`--max-cost` budget, run totals in the store, and a prompt layout that lets provider caches hit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from summarizer_standins.fixtures import Fixture

from summarizer.app.tables import compact
from summarizer.core.errors import BudgetExceeded, InputError
from summarizer.core.records import Usage
from summarizer.llm.cost import Budget, Price, load_prices, price_for, usage_since
from summarizer.store.database import Store
from tests.support.cli import Stage

# --- prices ------------------------------------------------------------------------------------


def test_cost_prices_fresh_cached_and_completion_tokens_separately() -> None:
    price = Price(input=2.0, cached_input=0.5, output=8.0)
    usage = Usage(requests=1, prompt_tokens=1200, cached_tokens=1024, completion_tokens=300)
    # (176 fresh x 2.0 + 1024 cached x 0.5 + 300 out x 8.0) / 1e6 = (352 + 512 + 2400) / 1e6
    assert price.cost(usage) == pytest.approx(3264 / 1e6, rel=1e-12)
    assert price.cost(Usage()) == 0


def test_budget_totals_a_fixed_usage_trace_by_hand() -> None:
    price = Price(input=2.0, cached_input=0.5, output=8.0)
    trace = [
        Usage(requests=1, prompt_tokens=1200, cached_tokens=1024, completion_tokens=300),
        Usage(requests=1, prompt_tokens=800, cached_tokens=0, completion_tokens=250),
        Usage(requests=1, prompt_tokens=1500, cached_tokens=1024, completion_tokens=0),
        Usage(),  # a 429: no answer, nothing billed
    ]
    budget = Budget(limit=None, price=price)

    async def run() -> None:
        for usage in trace:
            reservation = await budget.reserve(Usage(prompt_tokens=1000), paper_id="x")
            budget.settle(reservation, usage)

    asyncio.run(run())
    # 3264 + (800 x 2 + 250 x 8 = 3600) + (476 x 2 + 1024 x 0.5 = 1464) + 0, per million
    assert budget.spent == pytest.approx(8328 / 1e6, rel=1e-12)
    assert budget.usage == Usage(
        requests=3, prompt_tokens=3500, cached_tokens=2048, completion_tokens=550
    )
    assert budget.reserved == 0
    half = usage_since(trace[0], budget.usage)
    assert half == Usage(requests=2, prompt_tokens=2300, cached_tokens=1024, completion_tokens=250)


def test_price_table_is_data_and_an_override_replaces_or_adds(tmp_path: Path) -> None:
    shipped = load_prices()
    assert shipped["gpt-4o-mini"] == Price(input=0.15, cached_input=0.075, output=0.60)
    assert not any(name.startswith("_") for name in shipped)
    override = tmp_path / "prices.json"
    override.write_text(
        json.dumps(
            {
                "_note": "mine",
                "gpt-4o-mini": {"input": 1, "cached_input": 0.5, "output": 2},
                "local-model": {"input": 0, "cached_input": 0, "output": 0},
            }
        )
    )
    prices = load_prices(override)
    assert prices["gpt-4o-mini"] == Price(input=1, cached_input=0.5, output=2)
    assert prices["local-model"].cost(Usage(prompt_tokens=10**6)) == 0
    assert prices["gpt-4o"] == shipped["gpt-4o"]
    assert price_for("gpt-4o-mini-2024-07-18", prices) is prices["gpt-4o-mini"]
    assert price_for("gpt-4o-2024-08-06", prices) is prices["gpt-4o"]
    assert price_for("no-such-model", prices) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", ["cannot read", "prices.json"]),
        ("[1, 2]", ["one JSON object"]),
        ('{"m": {"input": 1, "output": 2}}', ["'m'", "cached_input"]),
        ('{"m": {"input": -1, "cached_input": 0, "output": 2}}', ["'m'", "input"]),
    ],
)
def test_a_bad_price_override_is_an_input_error_naming_it(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    override = tmp_path / "prices.json"
    override.write_text(text)
    with pytest.raises(InputError) as caught:
        load_prices(override)
    for word in words:
        assert word in str(caught.value)


def test_max_cost_without_a_price_is_refused() -> None:
    with pytest.raises(InputError, match="SUMMARIZER_PRICES"):
        Budget(limit=1.0, price=None)


# --- the budget ----------------------------------------------------------------------------------

PRICE = Price(input=1.0, cached_input=0.5, output=1.0)  # a token costs 1e-6 USD either way
ESTIMATE = Usage(prompt_tokens=1000, completion_tokens=1000)  # 0.002 USD
SMALL = Usage(requests=1, prompt_tokens=500, completion_tokens=200)  # 0.0007 USD


def test_budget_waits_for_requests_in_flight_then_stops_for_good() -> None:
    budget = Budget(limit=0.005, price=PRICE)
    log: list[str] = []

    async def request(name: str, gate: asyncio.Event) -> None:
        try:
            reservation = await budget.reserve(ESTIMATE, paper_id=name)
        except BudgetExceeded:
            log.append(f"{name} refused")
            return
        log.append(f"{name} started")
        await gate.wait()
        budget.settle(reservation, SMALL)

    async def main() -> None:
        gates = [asyncio.Event() for _ in range(7)]
        tasks = [asyncio.create_task(request(f"r{i}", gates[i])) for i in range(7)]
        await asyncio.sleep(0)
        # 2 x 0.002 reserved; a third would make 0.006 > 0.005: it waits for those in flight
        assert log == ["r0 started", "r1 started"]
        for i in range(7):
            gates[i].set()
            for _ in range(5):
                await asyncio.sleep(0)
        await asyncio.gather(*tasks)

    asyncio.run(main())
    # Each settles at 0.0007: spent 0.0007 k; a request starts while spent + held + 0.002 fits.
    assert log == [
        "r0 started",
        "r1 started",
        "r2 started",  # 0.0007 + 0.002 + 0.002 = 0.0047
        "r3 started",  # after r1, r2: 0.0021 + 0.002 (r3 waited while r2 held 0.002: 0.0054)
        "r4 started",  # after r3: 0.0028 + 0.002 = 0.0048
        "r5 refused",  # after r4: 0.0035 + 0.002 = 0.0055, nothing left in flight to wait for
        "r6 refused",  # and from then on, nothing starts
    ]
    assert budget.spent == pytest.approx(0.0035)
    assert budget.exhausted and budget.refused == 2


def test_estimates_learn_from_answers_so_a_low_guess_is_not_trusted_twice() -> None:
    budget = Budget(limit=None, price=PRICE)

    async def main() -> None:
        reservation = await budget.reserve(ESTIMATE, paper_id="a")
        actual = Usage(requests=1, prompt_tokens=1300, completion_tokens=1500)
        budget.settle(reservation, actual)

    asyncio.run(main())
    assert budget.expected(ESTIMATE) == Usage(prompt_tokens=1300, completion_tokens=1500)
    assert budget.expected(Usage(prompt_tokens=10, completion_tokens=2000)) == Usage(
        prompt_tokens=310, completion_tokens=2000
    )


# --- end to end: the CLI against the stand-ins --------------------------------------------------

HIGH_PRICES = {"priced-model": {"input": 300, "cached_input": 100, "output": 1000}}


@pytest.fixture
def sent(stage: Stage, monkeypatch: pytest.MonkeyPatch, isolated: Path) -> list[dict[str, Any]]:
    """Point the run at a model priced by an override file; return the list that will hold every
    chat completion the stand-in sends (its usage is what the provider bills)."""
    path = isolated / "my-prices.json"
    path.write_text(json.dumps(HIGH_PRICES))
    monkeypatch.setenv("SUMMARIZER_PRICES", str(path))
    monkeypatch.setenv("SUMMARIZER_MODEL", "priced-model")
    sent: list[dict[str, Any]] = []
    reply = stage.model._reply

    def recording(handler: Any, status: int, payload: Any, headers: Any = None) -> None:
        if status == 200 and isinstance(payload, dict) and "usage" in payload:
            sent.append(payload)
        reply(handler, status, payload, headers)

    stage.model._reply = recording  # type: ignore[method-assign]
    return sent


def _by_hand(sent: list[dict[str, Any]]) -> tuple[float, dict[str, int]]:
    prompt = sum(p["usage"]["prompt_tokens"] for p in sent)
    cached = sum(p["usage"]["prompt_tokens_details"]["cached_tokens"] for p in sent)
    completion = sum(p["usage"]["completion_tokens"] for p in sent)
    price = HIGH_PRICES["priced-model"]
    micro_usd = (
        (prompt - cached) * price["input"]
        + cached * price["cached_input"]
        + completion * price["output"]
    )
    usage = {
        "requests": len(sent),
        "prompt_tokens": prompt,
        "cached_tokens": cached,
        "completion_tokens": completion,
    }
    return micro_usd / 1e6, usage


def _runs(stage: Stage) -> list[dict[str, Any]]:
    store = Store(stage.out / "summarizer.sqlite3")
    try:
        return store.runs.all()
    finally:
        store.close()


def test_run_cost_with_cached_tokens_equals_the_hand_computation(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    sent: list[dict[str, Any]],
) -> None:
    stage.model.cached_prefix_tokens = 256  # the provider's prompt cache serves 256 tokens each
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    cost, usage = _by_hand(sent)
    assert usage["requests"] == 27 and usage["cached_tokens"] == 27 * 256
    assert cost > 1  # high prices, so the 4 printed decimals say something

    (row,) = _runs(stage)
    assert row["status"] == "complete" and row["day"] == "2026-01-07"
    stats = row["stats"]
    assert stats["cost"] == pytest.approx(cost, rel=1e-12)
    assert stats["usage"] == usage
    assert (stats["found"], stats["summarized"], stats["cached"], stats["missing"]) == (
        27,
        27,
        0,
        [],
    )
    assert f"{cost:.4f}" in run.err  # the run table, on stderr, with compact token counts
    total = usage["prompt_tokens"] + usage["completion_tokens"]
    row = next(line for line in run.err.splitlines() if line.lstrip().startswith("2026-01-07"))
    assert row.split()[5:8] == [compact(total), compact(27 * 256), f"{cost:.4f}"]

    # the same day again: nothing asked, nothing spent, and that is recorded too
    again = cli("digest", "--date", "2026-01-07")
    assert again.code == 0, again.err
    last = _runs(stage)[-1]["stats"]
    assert (last["cached"], last["summarized"], last["cost"]) == (27, 0, 0)
    assert last["usage"]["requests"] == 0


def test_max_cost_stops_new_requests_marks_the_rest_missing_and_passes_no_cap(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    sent: list[dict[str, Any]],
) -> None:
    cap = 3.0  # about five papers' worth at these prices
    run = cli("digest", "--date", "2026-01-07", "--max-cost", str(cap))
    assert run.code == 1, run.err
    cost, usage = _by_hand(sent)
    assert cost <= cap  # no request beyond the budget
    made = usage["requests"]
    assert 0 < made < 27
    assert stage.model.requests == made  # every request that started was answered and billed
    missing = [line for line in run.err.splitlines() if line.startswith("missing summary:")]
    assert len(missing) == 27 - made
    assert "lack summaries" in run.err.strip().splitlines()[-1]
    assert run.err.count("--max-cost") == 1  # said once, not once per paper left out
    row = _runs(stage)[-1]
    assert row["status"] == "incomplete"
    assert row["stats"]["summarized"] == made and len(row["stats"]["missing"]) == 27 - made
    assert row["stats"]["cost"] == pytest.approx(cost, rel=1e-12)
    toc = (stage.out / "2026-01-07.md").read_text("utf-8")
    assert toc.count("\n### [") == 27  # every paper is listed, summarized or not

    # without the cap, the next run makes exactly the missing ones
    stage.model.reset_counters()
    again = cli("digest", "--date", "2026-01-07")
    assert again.code == 0, again.err
    assert stage.model.requests == 27 - made


def test_prompts_put_the_fixed_instructions_first_and_the_paper_last(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    sample: Fixture,
) -> None:
    run = cli("digest", "--date", "2026-01-07")
    assert run.code == 0, run.err
    bodies = stage.model.bodies
    assert len(bodies) == 27
    systems = {b["messages"][0]["content"] for b in bodies}
    assert [m["role"] for m in bodies[0]["messages"]] == ["system", "user"]
    assert len(systems) == 1  # byte-identical for every paper: the provider's cached prefix
    (system,) = systems
    abstracts = {p.abstract.strip() for p in sample.papers}
    titles = {p.title for p in sample.papers}
    assert not any(title in system for title in titles)
    for body in bodies:
        # the abstract last, then only the glossary's lines for this paper's terms
        user = body["messages"][-1]["content"].split("\n\nTerminology (")[0]
        assert any(user.endswith(abstract) for abstract in abstracts), user[-200:]
    # the request's other fixed part (the answer's schema) is identical too
    assert len({json.dumps(b.get("response_format"), sort_keys=True) for b in bodies}) == 1


@pytest.mark.parametrize(
    ("tokens", "shown"),
    [(0, "0"), (999, "999"), (1000, "1.0k"), (26834, "26.8k"), (999_949, "999.9k"),
     (999_950, "1.0M"), (12_345_678, "12.3M")],
)  # fmt: skip
def test_compact_token_counts(tokens: int, shown: str) -> None:
    assert compact(tokens) == shown


@pytest.mark.parametrize(
    "lie",
    [
        {"prompt_tokens": -1_000_000, "completion_tokens": -1_000_000, "total_tokens": -2_000_000},
        {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        {"prompt_tokens": "lots", "completion_tokens": None, "total_tokens": 1e300},
    ],
    ids=["negative", "zero", "nonsense"],
)
def test_an_endpoint_that_lies_about_usage_cannot_bypass_max_cost(
    stage: Stage,
    cli,  # type: ignore[no-untyped-def]
    sent: list[dict[str, Any]],
    lie: dict[str, Any],
) -> None:
    """Issue #10: usage as reported is not trusted below our own count, so the cap still holds."""
    true_usage: list[dict[str, Any]] = []
    reply = stage.model._reply

    def lying(handler: Any, status: int, payload: Any, headers: Any = None) -> None:
        if status == 200 and isinstance(payload, dict) and "usage" in payload:
            true_usage.append(dict(payload["usage"]))
            payload = {**payload, "usage": {**payload["usage"], **lie}}
        reply(handler, status, payload, headers)

    stage.model._reply = lying  # type: ignore[method-assign]
    cap = 3.0
    run = cli("digest", "--date", "2026-01-07", "--max-cost", str(cap))
    assert run.code in (0, 1), run.err
    assert "Traceback" not in run.err
    price = HIGH_PRICES["priced-model"]
    billed = (
        sum(
            u["prompt_tokens"] * price["input"] + u["completion_tokens"] * price["output"]
            for u in true_usage
        )
        / 1e6
    )
    assert 0 < stage.model.requests < 27, "the cap stopped the run"
    assert billed <= cap * 1.5, billed  # our own counts differ a little from the provider's
    recorded = _runs(stage)[-1]["stats"]
    assert recorded["usage"]["prompt_tokens"] > 0 and recorded["cost"] > 0
