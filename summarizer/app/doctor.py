"""`summarizer doctor`: the settings as resolved, the detected provider, and one small request per
summary kind through the same client, attempt loop and mode fallback a digest uses."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from ..core.errors import ModelError, ModelFatalError
from ..core.records import Paper, SummaryKind
from ..llm.attempts import Summarizer
from ..llm.client import Completion, ModelClient
from ..llm.cost import load_prices, price_for
from ..llm.providers import detect
from ..llm.request import WireMode
from ..run.context import guidance_of, model_client
from ..run.settings import RunSettings

KINDS: tuple[SummaryKind, ...] = ("brief", "detailed")
# A short made-up paper: small enough to cost a fraction of a cent, real enough to summarize.
PROBE = Paper(
    id="0000.00000",
    version=1,
    title="A Short Test of Spectral Noise Suppression for Speech Enhancement",
    authors=["A. Tester"],
    primary_category="eess.AS",
    categories=["eess.AS"],
    published=datetime(2026, 1, 5, tzinfo=UTC),
    abstract=(
        "We suppress stationary background noise in speech recordings by estimating the noise "
        "spectrum during pauses and subtracting it frame by frame. On a small test set the "
        "method raises the signal-to-noise ratio by 6 dB while keeping speech intelligible."
    ),
    pdf_url="https://arxiv.org/pdf/0000.00000v1",
)


@dataclass
class Probe:
    kind: SummaryKind
    seconds: float
    attempts: int
    usage_fields: tuple[str, ...]
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int


@dataclass
class Recorder:
    """The model client with every answer's usage fields noted."""

    inner: ModelClient
    seen: list[Completion] = field(default_factory=list)
    seconds: float = 0.0  # time spent waiting for answers

    async def complete(
        self,
        *,
        messages: list[dict[str, str]],
        kind: SummaryKind,
        mode: WireMode,
        extra: dict[str, Any] | None = None,
    ) -> Completion:
        start = time.monotonic()
        try:
            completion = await self.inner.complete(
                messages=messages, kind=kind, mode=mode, extra=extra
            )
        finally:
            self.seconds += time.monotonic() - start
        self.seen.append(completion)
        return completion

    async def close(self) -> None:
        await self.inner.close()


def describe_settings(settings: RunSettings) -> list[tuple[str, str]]:
    profile = settings.llm.provider_profile
    base = settings.llm.openai_base_url or "(the openai SDK's default, https://api.openai.com/v1)"
    how = (
        "detected from OPENAI_BASE_URL"
        if settings.llm.provider == "auto"
        else "SUMMARIZER_PROVIDER"
    )
    if settings.llm.provider == "auto" and not settings.llm.openai_base_url:
        how = "OPENAI_BASE_URL not set"
    key = settings.llm.openai_api_key
    key_text = "set" if key is not None and key.get_secret_value().strip() else "NOT SET"
    price = price_for(settings.llm.model, load_prices(settings.llm.prices))
    price_text = (
        f"known (input ${price.input}/M, output ${price.output}/M tokens)"
        if price
        else "unknown: costs show as n/a and --max-cost is refused"
    )
    return [
        ("endpoint", base),
        ("provider", f"{profile.name} ({how})"),
        (
            "model",
            settings.llm.model + ("" if "model" in settings.llm.model_fields_set else " (default)"),
        ),
        ("response mode", _mode_setting(settings.llm.response_mode, profile.mode)),
        ("request timeout", f"{settings.llm.timeout:g} s"),
        ("concurrency", str(settings.llm.concurrency)),
        ("OPENAI_API_KEY", key_text),
        ("price", price_text),
        ("batch API", "offered" if profile.batch else "not offered"),
        *_chinese(settings),
    ]


def _chinese(settings: RunSettings) -> list[tuple[str, str]]:
    """The reviewer the prompts name and the glossary (InputError for a bad glossary file)."""
    guidance = guidance_of(settings)
    glossary = guidance.glossary
    own = settings.llm.glossary
    if own is None:
        text = f"the default one, {len(glossary.guide)} terms (guides only)"
    else:
        fixes = sum(len(t.avoid) for t in glossary.fixes)
        text = f"{own}: {len(glossary.guide)} terms, {fixes} variants corrected"
    return [("reviewer", guidance.field), ("glossary", text)]


async def _probe(settings: RunSettings, client: ModelClient) -> tuple[list[Probe], Summarizer]:
    recorder = Recorder(client)
    summarizer = Summarizer(
        client=recorder,
        guidance=guidance_of(settings),
        language=settings.llm.language,
        mode=settings.llm.response_mode,
        profile=settings.llm.provider_profile,
        max_attempts=settings.llm.max_attempts,
    )
    probes = []
    try:
        for kind in KINDS:
            recorder.seconds = 0.0
            outcome = await summarizer.summarize(PROBE, kind)
            last = recorder.seen[-1]
            probes.append(
                Probe(
                    kind=kind,
                    seconds=recorder.seconds,
                    attempts=outcome.attempts,
                    usage_fields=last.usage_fields,
                    prompt_tokens=outcome.usage.prompt_tokens,
                    completion_tokens=outcome.usage.completion_tokens,
                    cached_tokens=outcome.usage.cached_tokens,
                )
            )
    finally:
        await recorder.close()
    return probes, summarizer


def run_doctor(settings: RunSettings, *, echo: Any, client: ModelClient | None = None) -> None:
    """Print what a digest would use and whether the endpoint serves it. Raises InputError for
    bad settings and ModelFatalError (with the fix) when a digest would not work."""
    for name, value in describe_settings(settings):
        echo(f"{name + ':':<17}{value}")
    if settings.llm.provider == "auto" and detect(settings.llm.openai_base_url) == "generic":
        host = urlparse(settings.llm.openai_base_url or "").netloc
        echo(f"{'':<17}({host} is no provider we know; SUMMARIZER_PROVIDER names one)")
    client = client or model_client(settings.llm)
    try:
        probes, summarizer = asyncio.run(_probe(settings, client))
    except ModelFatalError:
        raise
    except ModelError as exc:
        raise ModelFatalError(
            f"a test summary could not be made: {exc}; check SUMMARIZER_MODEL "
            "(a model that writes JSON in the asked language)",
            detail=exc.detail,
        ) from None
    modes = summarizer.switch
    for probe in probes:
        cached = "yes" if "cached_tokens" in probe.usage_fields else "no"
        usage = "yes" if "prompt_tokens" in probe.usage_fields else "no"
        echo(
            f"{probe.kind + ':':<17}ok in {probe.seconds:.2f} s, {probe.attempts} attempt(s); "
            f"usage reported: {usage} ({probe.prompt_tokens} in, {probe.completion_tokens} out); "
            f"cached-token field: {cached}"
        )
    echo(f"{'mode that works:':<17}{_mode_line(modes.current, modes.switched_from)}")
    if modes.extra:
        fields = ", ".join(f"{k}={v}" for k, v in modes.extra.items())
        echo(f"{'':<17}the endpoint demands {fields}: set SUMMARIZER_PROVIDER=dashscope")
    echo("A digest would work.")


def _mode_setting(setting: str, provider_mode: str) -> str:
    if setting != "auto":
        return f"{setting} (SUMMARIZER_RESPONSE_MODE)"
    if provider_mode == "auto":
        return "auto: json_schema, switching to json_object if the endpoint rejects it"
    return f"auto: {provider_mode}, the provider's"


def _mode_line(current: WireMode, switched_from: WireMode | None) -> str:
    if switched_from is None:
        return current
    return (
        f"{current} ({switched_from} was rejected; set SUMMARIZER_RESPONSE_MODE={current} "
        "to skip that detour on every run)"
    )


__all__ = ["PROBE", "describe_settings", "run_doctor"]
