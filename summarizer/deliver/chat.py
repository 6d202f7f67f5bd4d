"""What every chat channel shares: a day as lines of text spans, packed into messages that fit the
platform's limit in order (a paper too long for one message continues in the next, never cut),
and the loop that sends them, waiting out the platform's own rate-limit answers."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from ..core.redaction import redact
from .base import DayDigest, Delivery, DeliveryError, RateLimited, Unavailable
from .content import safe_link, tldr_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Span:
    """A run of text; `url` makes it a link (arXiv or the site only). `own` marks our own words
    (numbers, labels, the subject), which hold no markup and need no escaping."""

    text: str
    url: str | None = None
    bold: bool = False
    own: bool = False


Line = tuple[Span, ...]
Fits = Callable[[list[Line]], bool]


def digest_lines(digest: DayDigest) -> tuple[list[Line], list[list[Line]]]:
    """The head of the first message and one block of lines per paper, in order."""
    head: list[Line] = [(Span(digest.subject, bold=True, own=True),)]
    if digest.note:
        head.append((Span(digest.note),))
    site = safe_link(digest.site_url, site_url=digest.site_url)
    if site:
        head.append((Span("网页版：", own=True), Span(site, url=site)))
    blocks: list[list[Line]] = []
    for number, item in enumerate(digest.items, start=1):
        block: list[Line] = [
            (Span(f"[{number}] {item.mark}", own=True), Span(item.title, bold=True)),
            (Span(f"{item.label}：", own=True), Span(tldr_text(item))),
        ]
        if item.recommended and item.why:
            block.append((Span("推荐理由：", own=True), Span(item.why)))
        block.append((Span(f"arXiv:{item.id}", url=item.abs_url, own=True),))
        blocks.append(block)
    return head, blocks


def _largest_prefix(line: Line, *, fits: Callable[[Line], bool]) -> tuple[Line, Line] | None:
    """`line` cut in two inside its longest text span, the first part as long as `fits` allows;
    None when not even one character of it fits."""
    longest = max(range(len(line)), key=lambda i: len(line[i].text) if not line[i].url else -1)
    span = line[longest]
    if span.url:
        return None
    low, high = 0, len(span.text)
    while low < high:
        mid = (low + high + 1) // 2
        if fits((*line[:longest], replace(span, text=span.text[:mid]))):
            low = mid
        else:
            high = mid - 1
    if low == 0:
        return None
    head = (*line[:longest], replace(span, text=span.text[:low]))
    return head, (replace(span, text=span.text[low:]), *line[longest + 1 :])


def _fits_after(fits: Fits, lines: list[Line], part: Line) -> bool:
    return fits([*lines, part])


def pack(head: list[Line], blocks: list[list[Line]], *, fits: Fits, more: Line) -> list[list[Line]]:
    """The blocks in order, as few messages as fit; `more` heads every message after the first.

    A paper goes whole into the current message, else whole into the next; one too long for a
    message of its own continues line by line, a long line cut where the message is full.
    """
    messages: list[list[Line]] = []
    current, has_body = list(head), False
    for block in blocks:
        if fits([*current, (), *block]):
            current, has_body = [*current, (), *block], True
            continue
        if has_body:
            messages.append(current)
            current, has_body = [more], False
            if fits([*current, (), *block]):
                current, has_body = [*current, (), *block], True
                continue
        current.append(())
        for line in block:
            rest: Line | None = line
            while rest is not None:
                if fits([*current, rest]):
                    current.append(rest)
                    rest = None
                    continue
                cut = _largest_prefix(rest, fits=partial(_fits_after, fits, current))
                if cut is None and current == [more]:
                    raise DeliveryError("a line of the digest does not fit in one message")
                if cut is not None:
                    current.append(cut[0])
                    rest = cut[1]
                messages.append(current)
                current = [more]
            has_body = True
    messages.append(current)
    return messages


class Pacer:
    """At most `count` messages in any `period` seconds (DingTalk and WeCom: 20 a minute)."""

    def __init__(self, count: int | None, period: float = 60.0) -> None:
        self.count, self.period = count, period
        self.sent: deque[float] = deque()

    def wait(self) -> None:
        if self.count is None:
            return
        now = time.monotonic()
        while self.sent and now - self.sent[0] >= self.period:
            self.sent.popleft()
        if len(self.sent) >= self.count:
            time.sleep(self.period - (now - self.sent[0]))
        self.sent.append(time.monotonic())


class ChatChannel:
    """A chat platform: render lines in its format, post one message, read its answer."""

    name = "chat"
    attempts = 5  # per message, counting the retries after the platform's rate-limit answers
    unavailable_attempts = 3  # per message, when the platform is down (no answer, or 5xx)
    max_wait = 60.0  # never wait longer than this for one retry, whatever the platform says
    pacer: Pacer = Pacer(None)

    def recipients(self) -> list[str]:
        raise NotImplementedError

    def payload(self, lines: list[Line]) -> dict[str, Any]:
        raise NotImplementedError

    def fits(self, lines: list[Line]) -> bool:
        raise NotImplementedError

    def post(self, payload: dict[str, Any]) -> None:
        """Deliver one message; raise RateLimited or DeliveryError with the platform's reason."""
        raise NotImplementedError

    def messages(self, digest: DayDigest) -> list[dict[str, Any]]:
        head, blocks = digest_lines(digest)
        more: Line = (Span(f"{digest.subject}（续）", bold=True, own=True),)
        return [self.payload(m) for m in pack(head, blocks, fits=self.fits, more=more)]

    def send(self, digest: DayDigest, *, recipient: str, skip: int = 0) -> Delivery:
        delivery = Delivery(channel=self.name, recipient=recipient)
        try:
            payloads = self.messages(digest)
            delivery.total = len(payloads)
            delivery.sent = min(skip, len(payloads))
            for payload in payloads[delivery.sent :]:
                self._post_with_retries(payload)
                delivery.sent += 1
        except DeliveryError as exc:
            delivery.error = redact(str(exc))
        return delivery

    def _post_with_retries(self, payload: dict[str, Any]) -> None:
        for attempt in range(1, self.attempts + 1):
            self.pacer.wait()
            try:
                self.post(payload)
                return
            except Unavailable as exc:
                if attempt >= self.unavailable_attempts:
                    raise
                wait = min(exc.wait if exc.wait is not None else 0.5 * 2**attempt, self.max_wait)
                log.info("%s: %s; retrying in %.1f s", self.name, redact(str(exc)), wait)
                time.sleep(wait)
            except RateLimited as exc:
                if attempt == self.attempts:
                    raise
                wait = min(exc.wait if exc.wait is not None else 2.0**attempt, self.max_wait)
                log.info("%s: rate limited (%s); waiting %.1f s", self.name, redact(str(exc)), wait)
                time.sleep(wait)
