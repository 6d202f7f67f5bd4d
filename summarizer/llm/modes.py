"""The response mode of a run, shared by every paper in it. With `SUMMARIZER_RESPONSE_MODE=auto`
a rejected request shape switches the whole run to the next mode once, and says so once; a run
that has tried every mode it may stops. Rejections are never a paper's failure."""

from __future__ import annotations

import json
import logging
from typing import Any

from ..core.errors import ModelFatalError
from .failures import ShapeRejected
from .providers import Profile
from .request import WireMode, first_mode

log = logging.getLogger(__name__)
ORDER: tuple[WireMode, ...] = ("json_schema", "json_object", "tools")


class ModeSwitch:
    def __init__(self, *, setting: str, profile: Profile) -> None:
        self.setting, self.profile = setting, profile
        self.current: WireMode = first_mode(setting, profile)
        self.tried: list[WireMode] = [self.current]
        self._next = list(ORDER[ORDER.index(self.current) + 1 :]) if setting == "auto" else []
        self.switched_from: WireMode | None = None
        self.extra: dict[str, Any] = {}  # body fields the endpoint turned out to demand

    def _demand(self, exc: ShapeRejected) -> None:
        """The endpoint demands body fields (Qwen3 without streaming: enable_thinking=false):
        send them for the rest of the run, or stop when they were sent and still refused."""
        fields = ", ".join(f"{k}={json.dumps(v)}" for k, v in exc.needs.items())
        if all(exc.sent.get(k) == v for k, v in exc.needs.items()):
            raise ModelFatalError(
                f"the model endpoint demands {fields} (HTTP {exc.status}): {exc.reason}; "
                "set SUMMARIZER_PROVIDER=dashscope, which sends it",
                detail=exc.detail,
            )
        if all(self.extra.get(k) == v for k, v in exc.needs.items()):
            return  # sent before another paper's refusal taught the run
        self.extra.update(exc.needs)
        log.warning(
            "the model endpoint demands %s (HTTP %d: %s); this run sends it. "
            "Set SUMMARIZER_PROVIDER=dashscope to skip this detour.",
            fields,
            exc.status,
            exc.reason,
        )

    def rejected(self, exc: ShapeRejected) -> None:
        """A request sent in `exc.mode` was refused for its shape. Switch the run once (later
        rejections of requests already in flight in the old mode change nothing), or stop it."""
        if exc.needs:
            return self._demand(exc)
        if exc.mode != self.current:
            return
        if not self._next:
            raise ModelFatalError(
                f"the model endpoint rejects the request shape in every response mode tried "
                f"({', '.join(self.tried)}; HTTP {exc.status}): {exc.reason}; "
                + (
                    "set SUMMARIZER_RESPONSE_MODE=auto to let the run find one"
                    if self.setting != "auto"
                    else "set SUMMARIZER_PROVIDER to the provider this endpoint belongs to"
                ),
                detail=exc.detail,
            )
        old, self.current = self.current, self._next.pop(0)
        self.tried.append(self.current)
        self.switched_from = self.switched_from or old
        log.warning(
            "the model endpoint does not take response mode %s (HTTP %d: %s); this run uses %s "
            "instead. Set SUMMARIZER_RESPONSE_MODE=%s to skip this detour.",
            old,
            exc.status,
            exc.reason,
            self.current,
            self.current,
        )


__all__ = ["ORDER", "ModeSwitch"]
