"""A local stand-in for the arXiv export API (`GET /api/query`), with switchable faults.

It answers what the `arxiv` client sends (`search_query`, `id_list`, `start`, `max_results`,
`sortBy`, `sortOrder`) with Atom XML laid out like export.arxiv.org's, from a mutable corpus of
`Paper`s. The query language is the subset the pipeline uses, parsed honestly: anything else is
an HTTP 400 with an Atom error entry, as the real API does.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from summarizer.models import Paper


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: BackgroundServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.server.owner.handle(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.owner.handle(self, "POST")

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.owner.handle(self, "HEAD")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass


class BackgroundServer:
    """An HTTP server on 127.0.0.1 (a free port) served from a daemon thread.

    Subclasses implement `handle`. `with server:` starts and stops it; stopping sets `stopping`,
    which every deliberate wait watches, and closes open connections, so it is prompt even while
    requests are being held.
    """

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not running; use `with` or start()")
        return int(self._httpd.server_address[1])

    def start(self) -> BackgroundServer:
        if self._httpd is None:
            self.stopping.clear()
            self._httpd = _Server(self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{type(self).__name__}:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        with httpd.connections_lock:
            open_connections = list(httpd.connections)
        for conn in open_connections:
            _hang_up(conn)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def pause(self, seconds: float) -> bool:
        """Wait `seconds` or until the server stops; True when it is stopping."""
        return self.stopping.wait(seconds) if seconds > 0 else self.stopping.is_set()

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _hang_up(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


def drop_connection(handler: BaseHTTPRequestHandler) -> None:
    """Close the socket without sending any response."""
    handler.close_connection = True
    _hang_up(handler.connection)


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:  # the client went away (it timed out, or we are stopping)
        handler.close_connection = True


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


# --- the arXiv API ----------------------------------------------------------------------------

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
_ATOM = "application/atom+xml; charset=utf-8"


class ArxivStandin(BackgroundServer):
    """`with ArxivStandin(papers) as s:` serves `papers` at `s.url`.

    Faults queued with `fail_next` are consumed one per request; `latency` is added to every
    request. `requests` counts HTTP requests and `log` holds one dict per request: the parsed
    parameters, the fault applied and the status sent.
    """

    def __init__(
        self, papers: Iterable[Paper] = (), *, latency: float = 0.0, slow_seconds: float = 5.0
    ) -> None:
        super().__init__()
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.requests = 0
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._corpus: dict[str, Paper] = {}
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

    def add(self, paper: Paper) -> None:
        """Add a paper, or replace the one with the same id (a new version)."""
        with self._lock:
            self._corpus[paper.id] = paper

    def fail_next(self, *kinds: str) -> None:
        unknown = set(kinds) - ARXIV_FAULTS
        if unknown:
            raise ValueError(f"unknown fault {sorted(unknown)}; known: {sorted(ARXIV_FAULTS)}")
        with self._lock:
            self._faults.extend(kinds)

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
            "start": params.get("start", "0"),
            "max_results": params.get("max_results", "10"),
            "sortBy": params.get("sortBy", "relevance"),
            "sortOrder": params.get("sortOrder", "descending"),
            "fault": None,
            "status": None,
        }
        with self._lock:
            self.requests += 1
            self.log.append(entry)
            fault = self._faults.popleft() if self._faults else None
            entry["fault"] = fault
        if self.pause(self.latency):
            return drop_connection(handler)
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
        return _feed(query, len(matches), start, max_results, page)

    def _select(
        self, search_query: str, id_list: list[str], sort_by: str, sort_order: str
    ) -> list[tuple[Paper, int]]:
        keep: Callable[[Paper], bool] | None = parse_query(search_query) if search_query else None
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
            key = _published if sort_by == "submittedDate" else _updated
            picked.sort(key=lambda pv: (key(pv[0]), pv[0].id))
            if sort_order == "descending":
                picked.reverse()
        return picked


# --- the query language -----------------------------------------------------------------------


class QueryError(ValueError):
    """A request the real API would answer with HTTP 400."""


_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<op>ANDNOT|AND|OR)(?=[\s()]|$)"
    r'|(?P<field>[A-Za-z]+):(?P<value>\[[^\]]*\]|"[^"]*"|[^\s()]+))'
)
_RANGE = re.compile(r"\[\s*([0-9]{12})\s+TO\s+([0-9]{12})\s*\]")
_TEXT_FIELDS: dict[str, Callable[[Paper], str]] = {
    "ti": lambda p: p.title,
    "abs": lambda p: p.abstract,
    "au": lambda p: " | ".join(p.authors),
    "all": lambda p: " ".join([p.title, p.abstract, *p.authors]),
}
Predicate = Callable[[Paper], bool]


def parse_query(text: str) -> Predicate:
    """Parse `search_query`: `field:value` terms joined by AND, OR, ANDNOT and parentheses
    (AND and ANDNOT bind tighter than OR). Fields: cat, submittedDate, lastUpdatedDate, ti, abs,
    au, all."""
    tokens: list[tuple[str, str]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise QueryError(f"malformed search_query near {text[pos : pos + 30]!r}")
        kind = m.lastgroup if m.lastgroup != "value" else "field"
        tokens.append((kind or "", m.group(0).strip()))
        pos = m.end()
    if not tokens:
        raise QueryError("empty search_query")
    parser = _Parser(tokens)
    predicate = parser.any_of()
    if parser.pos != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.pos][1]!r} in search_query")
    return predicate


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.pos = tokens, 0

    def _peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def any_of(self) -> Predicate:
        parts = [self.all_of()]
        while self._peek() == "OR":
            self.pos += 1
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else lambda p: any(f(p) for f in parts)

    def all_of(self) -> Predicate:
        result = self.term()
        while self._peek() in {"AND", "ANDNOT"}:
            negate = self._peek() == "ANDNOT"
            self.pos += 1
            result = _both(result, self.term(), negate)
        return result

    def term(self) -> Predicate:
        if self.pos >= len(self.tokens):
            raise QueryError("search_query ends too early")
        kind, text = self.tokens[self.pos]
        self.pos += 1
        if text == "(":
            inner = self.any_of()
            if self._peek() != ")":
                raise QueryError("unbalanced parentheses in search_query")
            self.pos += 1
            return inner
        if kind != "field":
            raise QueryError(f"unexpected {text!r} in search_query")
        return _field(*text.split(":", 1))


def _both(left: Predicate, right: Predicate, negate: bool) -> Predicate:
    def both(paper: Paper) -> bool:
        return left(paper) and right(paper) != negate

    return both


def _field(name: str, value: str) -> Predicate:
    if name == "cat":
        wanted = value.strip('"').casefold()
        return lambda p: any(c.casefold() == wanted for c in p.categories)
    if name in {"submittedDate", "lastUpdatedDate"}:
        m = _RANGE.fullmatch(value)
        if m is None:
            raise QueryError(f"{name} wants [YYYYMMDDHHMM TO YYYYMMDDHHMM], got {value!r}")
        low, high = (datetime.strptime(x, "%Y%m%d%H%M").replace(tzinfo=UTC) for x in m.groups())
        high += timedelta(minutes=1)  # inclusive by minute
        stamp = _published if name == "submittedDate" else _updated
        return lambda p: low <= stamp(p) < high
    if name in _TEXT_FIELDS:
        needle = " ".join(value.strip('"').replace("_", " ").split()).casefold()
        get = _TEXT_FIELDS[name]
        return lambda p: needle in " ".join(get(p).split()).casefold()
    raise QueryError(f"unsupported search field {name!r}")


def _int(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name} must be an integer") from None
    if number < 0:
        raise QueryError(f"{name} must be non-negative")
    return number


def _published(paper: Paper) -> datetime:
    return _utc(paper.published)


def _updated(paper: Paper) -> datetime:
    """The stand-in's `updated`: `published` plus a day for each later version."""
    return _utc(paper.published) + timedelta(days=paper.version - 1)


def _utc(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _stamp(instant: datetime) -> str:
    return _utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str) -> str:
    return escape(_XML_INVALID.sub("", value))


def _feed(
    query: str, total: int, start: int, per_page: int, page: list[tuple[Paper, int]]
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
    body = [_entry(paper, version) for paper, version in page]
    return "\n".join([*head, *body, "</feed>", ""]).encode("utf-8")


def _entry(paper: Paper, version: int) -> str:
    vid = f"{paper.id}v{version}"
    pdf = re.sub(r"v[0-9]+$", f"v{version}", paper.pdf_url) if paper.pdf_url else ""
    pdf = pdf or f"http://arxiv.org/pdf/{vid}"
    pages = 4 + sum(map(ord, paper.id)) % 9
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <updated>{_stamp(_updated(paper) - timedelta(days=paper.version - version))}"
        "</updated>",
        f"    <published>{_stamp(paper.published)}</published>",
        f"    <title>{_text(paper.title)}</title>",
        f"    <summary>\n  {_text(paper.abstract)}\n</summary>",
        *(f"    <author>\n      <name>{_text(a)}</name>\n    </author>" for a in paper.authors),
        f"    <arxiv:comment>{pages} pages, {pages // 2} figures</arxiv:comment>",
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
