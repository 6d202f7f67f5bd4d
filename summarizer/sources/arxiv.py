"""Reading arXiv through its export API: one query per digest day, paged, retried, deduplicated."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import arxiv
import requests

from ..core.days import Window, arxiv_range
from ..core.errors import FetchError, PaperNotFound
from ..core.records import Paper
from .arxiv_http import AnswerTooLarge, TimeoutSession
from .ids import split_versioned

log = logging.getLogger(__name__)

LONG_WAIT = 30.0  # seconds: a Retry-After this long is said, with the time the run resumes
MAX_RETRY_AFTER = 600.0  # longer than this and the run is better off failing now
RESUME_DELAY = 1.0  # seconds, at least, before resuming a failed query (times the resume number)
# Ids in one id_list query: arXiv answers 414 (URI too long) to ~600-700 ids in one GET
# (lukasschwab/arxiv.py#15, #209); 100 ids make a URL of about 1.5 KB.
IDS_PER_QUERY = 100


def to_paper(result: arxiv.Result) -> Paper:
    paper_id, version = split_versioned(result.get_short_id())
    return Paper(
        id=paper_id,
        version=version,
        title=" ".join(result.title.split()),
        authors=[author.name for author in result.authors],
        primary_category=result.primary_category,
        categories=list(result.categories) or [result.primary_category],
        published=result.published,
        abstract=result.summary.strip(),
        pdf_url=f"https://arxiv.org/pdf/{paper_id}v{version}",
        comment=_one_line(result.comment),
        journal_ref=_one_line(result.journal_ref),
    )


def _one_line(text: str | None) -> str | None:
    """An optional arXiv field, whitespace collapsed; None when absent or blank."""
    return " ".join(text.split()) or None if text else None


def latest_versions(papers: Iterable[Paper]) -> list[Paper]:
    """One paper per id (compared without version), keeping the newest version."""
    best: dict[str, Paper] = {}
    for paper in papers:
        if paper.id not in best or paper.version > best[paper.id].version:
            best[paper.id] = paper
    return list(best.values())


class _CountingClient(arxiv.Client):
    """The arxiv client, pointed at our endpoint, counting pages, and strict about empty pages."""

    def __init__(self, *, api_url: str, page_size: int, delay: float, retries: int, timeout: float):
        super().__init__(page_size=page_size, delay_seconds=delay, num_retries=retries)
        self.query_url_format = api_url + "?{}"
        self._session = self.session = TimeoutSession(timeout)
        self.requests = 0
        self.expected_total = 0
        self.unread = 0  # results of the last page not yet handed out

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        self.requests += 1
        feed = super()._parse_feed(url, first_page=first_page, _try_index=_try_index)
        self.unread = len(feed.results)
        if first_page and not feed.results and feed.header.total_results > 0:
            # arxiv.py takes an empty first page for "no results"; arXiv sometimes sends one
            # that still announces a total, and trusting it would publish an empty digest.
            if _try_index < self.num_retries:
                return self._parse_feed(url, first_page=True, _try_index=_try_index + 1)
            raise arxiv.UnexpectedEmptyPageError(url, _try_index, feed)
        if first_page:
            self.expected_total = feed.header.total_results
        return feed


class ArxivSource:
    """One client per run; every request goes to `api_url`."""

    def __init__(
        self,
        *,
        api_url: str,
        page_size: int = 500,
        delay: float = 3.0,
        timeout: float = 30.0,
        retries: int = 3,
        resumes: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url
        self.delay = delay
        self.resumes = resumes
        self.sleep = sleep
        self._said_wait = False
        self.client = _CountingClient(
            api_url=api_url, page_size=page_size, delay=delay, retries=retries, timeout=timeout
        )

    @property
    def requests(self) -> int:
        return self.client.requests

    def search(self, *, categories: list[str], window: Window) -> list[Paper]:
        """Every paper listed in any of `categories` whose first version lies in `window`."""
        return latest_versions(
            p for page in self.pages(categories=categories, window=window) for p in page
        )

    def pages(self, *, categories: list[str], window: Window) -> Iterator[list[Paper]]:
        """`search` a page at a time, as each arrives: the papers of the page inside `window`
        (a later page may repeat an id, with a newer version; the consumer keeps the newest)."""
        yield from self._listing(categories, window, revised=False)

    def revised(self, *, categories: list[str], window: Window) -> list[Paper]:
        """Every paper listed in any of `categories` with a new version (not its first) whose
        time, `updated` in the API, lies in `window`."""
        return latest_versions(
            p for page in self.revised_pages(categories=categories, window=window) for p in page
        )

    def revised_pages(self, *, categories: list[str], window: Window) -> Iterator[list[Paper]]:
        """`revised` a page at a time: one more paged query, by lastUpdatedDate."""
        yield from self._listing(categories, window, revised=True)

    def _listing(
        self, categories: list[str], window: Window, *, revised: bool
    ) -> Iterator[list[Paper]]:
        cats = " OR ".join(f"cat:{c}" for c in categories)
        field = "lastUpdatedDate" if revised else "submittedDate"
        search = arxiv.Search(
            query=f"({cats}) AND {arxiv_range(window, field=field)}",
            max_results=None,
            sort_by=(
                arxiv.SortCriterion.LastUpdatedDate
                if revised
                else arxiv.SortCriterion.SubmittedDate
            ),
            sort_order=arxiv.SortOrder.Ascending,
        )
        try:
            for page in self._pages(search):
                if revised:  # a first version's `updated` is its `published`: not a revision
                    yield [
                        to_paper(r)
                        for r in page
                        if r.updated in window and r.updated != r.published
                    ]
                else:
                    yield [p for p in map(to_paper, page) if p.published in window]
        except FetchError as exc:
            span = f"{window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC"
            what = "revised" if revised else "submitted"
            raise FetchError(
                f"could not read the arXiv listing of papers {what} {span}: {exc}; "
                "nothing was written, run again later",
                url=exc.url,
                attempts=exc.attempts,
            ) from exc.__cause__

    def by_ids(self, refs: list[tuple[str, int | None]], *, strict: bool = True) -> list[Paper]:
        """The papers of `refs`, `IDS_PER_QUERY` ids an id_list query (a longer URL is refused),
        paced like every request of this source; `strict`: a missing one is an error."""
        id_list = [f"{pid}v{v}" if v else pid for pid, v in refs]
        papers: list[Paper] = []
        try:
            for start in range(0, len(id_list), IDS_PER_QUERY):
                chunk = id_list[start : start + IDS_PER_QUERY]
                search = arxiv.Search(id_list=chunk, max_results=len(chunk))
                papers += [to_paper(r) for r in self._collect(search)]
        except FetchError as exc:
            shown = ", ".join(id_list[:3]) + (
                f" and {len(id_list) - 3:,} more" if len(id_list) > 3 else ""
            )
            raise FetchError(
                f"could not look up {shown} on arXiv: {exc}; run again later",
                url=exc.url,
                attempts=exc.attempts,
            ) from exc.__cause__
        for pid, _ in refs if strict else ():
            if not any(p.id == pid for p in papers):
                raise PaperNotFound(pid)
        return papers

    def _collect(self, search: arxiv.Search) -> list[arxiv.Result]:
        return [result for page in self._pages(search) for result in page]

    def _pages(self, search: arxiv.Search) -> Iterator[list[arxiv.Result]]:
        """Run a paged search, a page at a time; on a failure that outlasts the client's retries,
        resume where it stopped, a bounded number of times, then give up loudly."""
        done = 0  # results handed out
        attempt = 0
        while True:
            attempt += 1
            page: list[arxiv.Result] = []
            try:
                for result in self.client.results(search, offset=done):
                    page.append(result)
                    self.client.unread -= 1
                    if self.client.unread <= 0:  # the whole page is in: hand it out
                        done += len(page)
                        yield page
                        page = []
                if page:
                    done += len(page)
                    yield page
                    page = []
                if search.max_results is None and done < self.client.expected_total:
                    raise arxiv.ArxivError(self.api_url, attempt, "fewer results than announced")
                return
            except (arxiv.ArxivError, requests.RequestException) as exc:
                if page:  # never lost: handed out before resuming after it
                    done += len(page)
                    yield page
                if attempt > self.resumes:
                    raise FetchError(
                        f"the arXiv API kept failing ({_describe(exc)})",
                        url=self.api_url,
                        attempts=attempt,
                    ) from exc
                # Quiet by default: a recovered hiccup is not news; a final failure is one line.
                log.info("arXiv request failed (%s); resuming at %d", _describe(exc), done)
                pause = max(self.delay, RESUME_DELAY) * attempt
                asked = self.client.session.retry_after
                if asked is not None and asked > pause:
                    pause = min(asked, MAX_RETRY_AFTER)
                    if pause >= LONG_WAIT:  # said once, with when the run goes on
                        resume = datetime.now(UTC) + timedelta(seconds=pause)
                        log.log(
                            logging.INFO if self._said_wait else logging.WARNING,
                            "arXiv asks to wait %.0f s (Retry-After); the run resumes at %s UTC",
                            asked,
                            f"{resume:%H:%M:%S}",
                        )
                        self._said_wait = True
                self.sleep(pause)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, arxiv.HTTPError):
        return f"HTTP {exc.status}"
    if isinstance(exc, arxiv.UnexpectedEmptyPageError):
        return "empty page"
    if isinstance(exc, AnswerTooLarge):
        return str(exc)
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection error"
    if isinstance(exc, arxiv.ArxivError) and exc.message:
        return str(exc.message)
    return type(exc).__name__
