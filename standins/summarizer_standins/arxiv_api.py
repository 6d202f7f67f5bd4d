"""A local stand-in for the arXiv export API (`GET /api/query`), with switchable faults.

It answers what the `arxiv` client sends (`search_query`, `id_list`, `start`, `max_results`,
`sortBy`, `sortOrder`) with Atom XML laid out like export.arxiv.org's, from a mutable corpus of
`Paper`s. The query language is the subset the pipeline uses, parsed honestly: anything else is
an HTTP 400 with an Atom error entry, as the real API does.
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from summarizer.core.records import Paper

from .arxiv_query import QueryError, _published, _updated, _utc, parse_query
from .server import BackgroundServer, drop_connection, queue_faults, read_body, send

ARXIV_FAULTS = frozenset({"503", "500", "empty", "reset", "slow"})
SORT_BY = ("relevance", "lastUpdatedDate", "submittedDate")
SORT_ORDER = ("ascending", "descending")
_ID = re.compile(
    r"(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/[0-9]{7})"
    r"(?:v(?P<v>[0-9]+))?"
)
_NAMESPACES = (
    'xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom"'
)
_SCHEME = "http://arxiv.org/schemas/atom"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_PAGE = 2000
# Apache's default LimitRequestLine: export.arxiv.org answers 414 (URI Too Long) to a GET of ~650
# ids (lukasschwab/arxiv.py#15, #209).
MAX_URL = 8190
_ATOM = "application/atom+xml; charset=utf-8"


class ArxivStandin(BackgroundServer):
    """`with ArxivStandin(papers) as s:` serves `papers` at `s.url`.

    Faults queued with `fail_next` are consumed one per request; `latency` is added to every
    request. `requests` counts HTTP requests and `log` holds one dict per request: the parsed
    parameters, the fault applied, the status sent and when it came (`time.monotonic()`). A
    request whose path and query pass `max_url` characters is a 414.

    Each version added is kept: a search lists a paper's newest, whose `updated` (what
    `lastUpdatedDate` queries and sorts by) is the time it was added with, or `published` plus a
    day per version; an id_list entry `IDvN` gets version N as it was added.
    """

    def __init__(
        self, papers: Iterable[Paper] = (), *, latency: float = 0.0, slow_seconds: float = 5.0
    ) -> None:
        super().__init__()
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.max_url = MAX_URL
        self.requests = 0
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._corpus: dict[str, Paper] = {}
        self._versions: dict[tuple[str, int], Paper] = {}
        self._updated_at: dict[tuple[str, int], datetime] = {}
        self._faults: deque[str] = deque()
        for paper in papers:
            self.add(paper)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/query"

    @property
    def papers(self) -> list[Paper]:
        with self._lock:
            return list(self._corpus.values())

    def add(self, paper: Paper, *, updated: datetime | None = None) -> None:
        """Add a paper, or replace the one with the same id (a new version), the earlier
        versions kept; `updated`: when this version was submitted (default: see the class)."""
        with self._lock:
            self._corpus[paper.id] = paper
            self._versions[(paper.id, paper.version)] = paper
            if updated is not None:
                self._updated_at[(paper.id, paper.version)] = _utc(updated)

    def updated(self, paper: Paper) -> datetime:
        """The `updated` time of `paper`'s version."""
        at = self._updated_at.get((paper.id, paper.version))
        return at if at is not None else _updated(paper)

    def fail_next(self, *kinds: str) -> None:
        queue_faults(self._faults, kinds, known=ARXIV_FAULTS, lock=self._lock)

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = 0
            self.log = []

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        read_body(handler)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        entry: dict[str, Any] = {
            "path": url.path,
            "search_query": params.get("search_query", ""),
            "id_list": [i for i in params.get("id_list", "").split(",") if i.strip()],
            "start": _maybe_int(params.get("start", "0")),
            "max_results": _maybe_int(params.get("max_results", "10")),
            "sortBy": params.get("sortBy", "relevance"),
            "sortOrder": params.get("sortOrder", "descending"),
            "fault": None,
            "status": None,
            "at": time.monotonic(),
        }
        with self._lock:
            self.requests += 1
            self.log.append(entry)
            too_long = len(handler.path) > self.max_url  # refused before anything else
            fault = self._faults.popleft() if self._faults and not too_long else None
            entry["fault"] = fault
        if self.pause(self.latency):
            return drop_connection(handler)
        if too_long:
            return self._reply(handler, entry, 414, b"Request-URI Too Long\n")
        if fault == "reset":
            entry["status"] = 0
            return drop_connection(handler)
        if fault in {"503", "500"}:
            return self._reply(handler, entry, int(fault or 0), b"Service Unavailable\n")
        if fault == "slow" and self.pause(self.slow_seconds):
            return drop_connection(handler)
        if method != "GET" or url.path != "/api/query":
            return self._reply(handler, entry, 404, b"Not Found\n")
        try:
            xml = self._answer(entry, url.query, empty=fault == "empty")
        except QueryError as err:
            self._reply(handler, entry, 400, _error_feed(str(err), url.query), _ATOM)
        else:
            self._reply(handler, entry, 200, xml, _ATOM)

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        entry: dict[str, Any],
        status: int,
        body: bytes,
        content_type: str = "text/plain",
    ) -> None:
        entry["status"] = status
        send(handler, status, body, content_type)

    def _answer(self, entry: dict[str, Any], query: str, *, empty: bool) -> bytes:
        start = _int(entry["start"], "start")
        max_results = _int(entry["max_results"], "max_results")
        if max_results > 30000:
            raise QueryError("max_results may not exceed 30000")
        if entry["sortBy"] not in SORT_BY:
            raise QueryError(f"sortBy must be in: {', '.join(SORT_BY)}")
        if entry["sortOrder"] not in SORT_ORDER:
            raise QueryError(f"sortOrder must be in: {', '.join(SORT_ORDER)}")
        matches = self._select(
            entry["search_query"], entry["id_list"], entry["sortBy"], entry["sortOrder"]
        )
        page = [] if empty else matches[start : start + min(max_results, MAX_PAGE)]
        return _feed(query, len(matches), start, max_results, [self._as_listed(*pv) for pv in page])

    def _as_listed(self, paper: Paper, version: int) -> tuple[Paper, datetime]:
        """Version `version` of `paper` (as it was added, when it was) and its `updated`."""
        with self._lock:
            listed = self._versions.get((paper.id, version))
        if listed is None:  # a version never added on its own: the newest, renumbered
            listed = paper.model_copy(update={"version": version})
            at = self.updated(paper) - timedelta(days=paper.version - version)
            return listed, at
        return listed, self.updated(listed)

    def _select(
        self, search_query: str, id_list: list[str], sort_by: str, sort_order: str
    ) -> list[tuple[Paper, int]]:
        keep: Callable[[Paper], bool] | None = (
            parse_query(search_query, updated=self.updated) if search_query else None
        )
        with self._lock:
            corpus = dict(self._corpus)
        if id_list:
            found: dict[str, tuple[Paper, int]] = {}
            for raw in id_list:
                m = _ID.fullmatch(raw.strip())
                if m is None:
                    raise QueryError(f"incorrect id format for {raw.strip()}")
                paper = corpus.get(m["id"])
                version = int(m["v"]) if m["v"] else paper.version if paper else 0
                if paper is not None and 1 <= version <= paper.version and paper.id not in found:
                    found[paper.id] = (paper, version)
            picked = [pv for pv in found.values() if keep is None or keep(pv[0])]
            if not search_query:
                return picked  # the real API keeps the order of id_list
        elif keep is not None:
            picked = [(p, p.version) for p in corpus.values() if keep(p)]
        else:
            return []
        if sort_by != "relevance":
            key = _published if sort_by == "submittedDate" else self.updated
            picked.sort(key=lambda pv: (key(pv[0]), pv[0].id))
            if sort_order == "descending":
                picked.reverse()
        return picked


def _maybe_int(value: str) -> int | str:
    return int(value) if re.fullmatch(r"[0-9]+", value) else value


def _int(value: int | str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name} must be an integer") from None
    if number < 0:
        raise QueryError(f"{name} must be non-negative")
    return number


def _stamp(instant: datetime) -> str:
    return _utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str) -> str:
    return escape(_XML_INVALID.sub("", value))


def _feed(
    query: str, total: int, start: int, per_page: int, page: list[tuple[Paper, datetime]]
) -> bytes:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<feed {_NAMESPACES}>",
        f'  <link href={quoteattr("http://arxiv.org/api/query?" + query)} rel="self" '
        'type="application/atom+xml"/>',
        f'  <title type="html">ArXiv Query: {_text(query)}</title>',
        f"  <id>http://arxiv.org/api/{zlib.crc32(query.encode()):08x}</id>",
        f"  <updated>{_stamp(today)}</updated>",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>",
    ]
    body = [_entry(paper, updated) for paper, updated in page]
    return "\n".join([*head, *body, "</feed>", ""]).encode("utf-8")


def _entry(paper: Paper, updated: datetime) -> str:
    version = paper.version
    vid = f"{paper.id}v{version}"
    pdf = re.sub(r"v[0-9]+$", f"v{version}", paper.pdf_url) if paper.pdf_url else ""
    pdf = pdf or f"http://arxiv.org/pdf/{vid}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <updated>{_stamp(updated)}</updated>",
        f"    <published>{_stamp(paper.published)}</published>",
        f"    <title>{_text(paper.title)}</title>",
        f"    <summary>\n  {_text(paper.abstract)}\n</summary>",
        *(f"    <author>\n      <name>{_text(a)}</name>\n    </author>" for a in paper.authors),
        *([f"    <arxiv:comment>{_text(paper.comment)}</arxiv:comment>"] if paper.comment else []),
        *(
            [f"    <arxiv:journal_ref>{_text(paper.journal_ref)}</arxiv:journal_ref>"]
            if paper.journal_ref
            else []
        ),
        f'    <link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href={quoteattr(pdf)} rel="related" type="application/pdf"/>',
        f"    <arxiv:primary_category term={quoteattr(paper.primary_category)} "
        f'scheme="{_SCHEME}"/>',
        *(f'    <category term={quoteattr(c)} scheme="{_SCHEME}"/>' for c in paper.categories),
        "  </entry>",
    ]
    return "\n".join(lines)


def _error_feed(message: str, query: str) -> bytes:
    anchor = re.sub(r"[^A-Za-z0-9_.]+", "_", message)
    entry = (
        "  <entry>\n"
        f"    <id>http://arxiv.org/api/errors#{_text(anchor)}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{_text(message)}</summary>\n"
        f"    <updated>{_stamp(datetime.now(UTC))}</updated>\n"
        f'    <link href={quoteattr("http://arxiv.org/api/errors#" + anchor)} rel="alternate" '
        'type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>"
    )
    return _feed(query, 1, 0, 1, []).replace(b"</feed>", entry.encode("utf-8") + b"\n</feed>")
