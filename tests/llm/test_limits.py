"""limits.AdaptiveLimiter and limits.Pacer on their own: no network, a fake clock where time
matters, so every number below is exact rather than measured."""

from __future__ import annotations

import asyncio

import pytest

from summarizer.llm.limits import AdaptiveLimiter, Pacer
from summarizer.run.settings import load_settings

# --- AdaptiveLimiter ----------------------------------------------------------------------------


def test_never_more_than_the_limit_in_flight_and_first_come_first_served() -> None:
    limiter = AdaptiveLimiter(3)
    granted: list[int] = []
    most = 0

    async def one(i: int) -> None:
        nonlocal most
        await limiter.acquire()
        granted.append(i)
        most = max(most, limiter.in_flight)
        for _ in range(3):
            await asyncio.sleep(0)
        await limiter.release()

    async def main() -> None:
        await asyncio.gather(*(one(i) for i in range(20)))

    asyncio.run(main())
    assert most == 3 and limiter.peak_in_flight == 3
    assert granted == list(range(20))
    assert limiter.in_flight == 0


def test_a_burst_of_429s_lands_on_what_the_provider_accepted() -> None:
    """32 sent at once to a provider that takes 8: the 24 refusals bring the limit to 8."""
    limiter = AdaptiveLimiter(32)

    async def main() -> None:
        tickets = [await limiter.acquire() for _ in range(32)]
        for ticket in tickets[:24]:
            await limiter.release(rate_limited=True, ticket=ticket)

    asyncio.run(main())
    assert limiter.in_flight == 8
    assert limiter.limit == 8 and limiter.allowed == 8
    assert limiter.rate_limited == 24
    assert limiter.trouble == 32


def test_only_a_429_to_a_request_sent_after_the_cut_cuts_by_the_factor() -> None:
    limiter = AdaptiveLimiter(10, decrease=0.5)

    async def main() -> None:
        old = [await limiter.acquire() for _ in range(10)]
        await limiter.release(rate_limited=True, ticket=old[0])  # fresh: min(9 left, 10 x 0.5)
        assert limiter.limit == 5
        await limiter.release(rate_limited=True, ticket=old[1])  # sent before the cut: min(5, 8)
        assert limiter.limit == 5
        for ticket in old[2:]:
            await limiter.release(ticket=ticket)
        assert limiter.limit == pytest.approx(5 + 8 / 5, abs=0.2)  # 8 answers: + ~1/limit each
        new = [await limiter.acquire() for _ in range(6)]
        before = limiter.limit
        await limiter.release(rate_limited=True, ticket=new[0])  # the cut was not enough: again
        assert limiter.limit == pytest.approx(before * 0.5)

    asyncio.run(main())
    assert limiter.rate_limited == 3


def test_recovers_a_slot_per_round_then_probes_slowly_past_the_last_429() -> None:
    """Provider takes 16, we allowed 17: after the 429 the limit comes back to 16 within a few
    rounds, then needs `probe_rounds` times longer for the 17th slot, so a 429 costs little."""
    limiter = AdaptiveLimiter(17, decrease=0.8, probe_rounds=8)

    async def main() -> tuple[int, int]:
        tickets = [await limiter.acquire() for _ in range(17)]
        await limiter.release(rate_limited=True, ticket=tickets[0])
        assert limiter.limit == pytest.approx(17 * 0.8) and limiter.trouble == 17
        to_16 = to_17 = 0
        for ticket in tickets[1:]:
            await limiter.release(ticket=ticket)
            to_16 += 1
        while limiter.allowed < 16:
            await limiter.release(ticket=await limiter.acquire())
            to_16 += 1
        while limiter.allowed < 17:
            await limiter.release(ticket=await limiter.acquire())
            to_17 += 1
        return to_16, to_17

    to_16, to_17 = asyncio.run(main())
    # from 13.6, +1/limit per answer: about (16^2 - 13.6^2) / 2 = 35 answers
    assert 30 <= to_16 <= 40
    assert 8 * 16 * 0.9 <= to_17 <= 8 * 17 * 1.1
    assert limiter.limit == 17  # never above the ceiling


def test_an_attempt_without_an_answer_moves_the_limit_neither_way() -> None:
    limiter = AdaptiveLimiter(4)

    async def main() -> None:
        await limiter.release(rate_limited=True, ticket=await limiter.acquire())
        before = limiter.limit
        for _ in range(10):
            await limiter.release(ok=False, ticket=await limiter.acquire())
        assert limiter.limit == before

    asyncio.run(main())


def test_never_below_one_slot() -> None:
    limiter = AdaptiveLimiter(2)

    async def main() -> None:
        for _ in range(10):
            await limiter.release(rate_limited=True, ticket=await limiter.acquire())

    asyncio.run(main())
    assert limiter.limit == 1 and limiter.allowed == 1


def test_a_cancelled_waiter_takes_no_slot_with_it() -> None:
    limiter = AdaptiveLimiter(1)

    async def main() -> None:
        await limiter.acquire()
        waiter = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        await limiter.release()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert limiter.in_flight == 0
        await asyncio.wait_for(limiter.acquire(), timeout=1)

    asyncio.run(main())


def test_one_limiter_serves_several_event_loops() -> None:
    """A backfill runs one asyncio.run per day with the same limiter."""
    limiter = AdaptiveLimiter(2)

    async def day() -> None:
        async def one() -> None:
            await limiter.acquire()
            await asyncio.sleep(0.001)
            await limiter.release()

        await asyncio.gather(*(one() for _ in range(6)))

    asyncio.run(day())
    asyncio.run(day())
    assert limiter.in_flight == 0 and limiter.peak_in_flight == 2


# --- Pacer ---------------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rpm_spaces_starts_and_no_trailing_minute_holds_more() -> None:
    clock = FakeTime()
    pacer = Pacer(rpm=600, tpm=None, clock=clock, margin=0.25)
    starts = [clock.now + pacer.book(500) for _ in range(1500)]  # 1500 callers at once
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert starts[0] == clock.now
    assert min(gaps) >= 0.1 - 1e-9
    for i in range(len(starts) - 600):
        assert starts[i + 600] - starts[i] >= 60.25 - 1e-9
    # 1500 starts at 0.1 s, plus the margin once per minute: barely slower than the cap
    assert starts[-1] - starts[0] == pytest.approx(149.9 + 2 * 0.25)


def test_tpm_bucket_starts_full_then_refills_at_the_cap() -> None:
    clock = FakeTime()
    pacer = Pacer(rpm=None, tpm=6000, clock=clock)
    starts = [pacer.book(1000) for _ in range(10)]
    assert starts[:6] == [0.0] * 6  # a full minute's tokens may go at once
    assert starts[6:] == pytest.approx([10.0, 20.0, 30.0, 40.0])  # then 1000 tokens per 10 s
    clock.now += 120  # idle two minutes: the bucket is full again, not fuller
    assert [pacer.book(1000) for _ in range(7)][-2:] == pytest.approx([0.0, 10.0])


def test_pacer_sleeps_what_it_booked_and_nothing_without_caps() -> None:
    clock = FakeTime()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def main(pacer: Pacer) -> None:
        for _ in range(3):
            await pacer.wait(100)

    asyncio.run(main(Pacer(rpm=None, tpm=None, clock=clock, sleep=sleep)))
    assert slept == []
    asyncio.run(main(Pacer(rpm=60, tpm=None, clock=clock, sleep=sleep)))
    assert slept == pytest.approx([1.0, 2.0])


def test_caps_and_concurrency_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().llm.concurrency == 8
    assert load_settings().llm.rpm is None and load_settings().llm.tpm is None
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "12")
    monkeypatch.setenv("SUMMARIZER_RPM", "600")
    monkeypatch.setenv("SUMMARIZER_TPM", "200000")
    settings = load_settings().llm
    assert (settings.concurrency, settings.rpm, settings.tpm) == (12, 600, 200000)
    flags = load_settings(concurrency=3, rpm=30, tpm=1000).llm
    assert (flags.concurrency, flags.rpm, flags.tpm) == (3, 30, 1000)
