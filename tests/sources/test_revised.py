"""The query of revised papers (lastUpdatedDate), through the real arXiv client against the
stand-in, which keeps each version added with its own text and time."""

from __future__ import annotations

from datetime import UTC, datetime

import arxiv
from summarizer_standins import ArxivStandin

from summarizer.core.days import Window, mailing_window
from summarizer.sources.arxiv import ArxivSource
from tests.support import build

DAY = mailing_window(datetime(2026, 3, 10).date())  # 2026-03-06 19:00 to 2026-03-09 18:00 UTC
EARLY = datetime(2026, 1, 6, 12, tzinfo=UTC)
INSIDE = datetime(2026, 3, 8, 12, tzinfo=UTC)


def test_the_revised_papers_of_a_window_in_their_new_version() -> None:
    first = build.paper("2601.00001", published=EARLY, abstract="One.", categories=["eess.SP"])
    other = build.paper("2601.00002", published=EARLY, categories=["cs.LG"])
    new = build.paper("2603.00003", published=INSIDE, categories=["eess.SP"])
    with ArxivStandin([first, other, new]) as standin:
        standin.add(first.model_copy(update={"version": 2, "abstract": "Two."}), updated=INSIDE)
        standin.add(other.model_copy(update={"version": 2}), updated=INSIDE)  # not our category
        late = build.paper("2601.00004", published=EARLY, categories=["eess.SP"])
        standin.add(late)
        standin.add(late.model_copy(update={"version": 2}), updated=DAY.end)  # the next window
        source = ArxivSource(api_url=standin.url, delay=0.0)
        found = source.revised(categories=["eess.SP", "cs.SD"], window=DAY)
        assert [(p.id, p.version, p.abstract) for p in found] == [("2601.00001", 2, "Two.")]
        (query,) = [e for e in standin.log if e["search_query"]]
        assert query["search_query"] == (
            "(cat:eess.SP OR cat:cs.SD) AND lastUpdatedDate:[202603061900 TO 202603091800]"
        )
        assert query["sortBy"] == "lastUpdatedDate"
        # the first version is still served as it was, with its own time
        client = arxiv.Client(delay_seconds=0)
        client.query_url_format = standin.url + "?{}"
        (v1,) = client.results(arxiv.Search(id_list=["2601.00001v1"]))
        assert v1.summary.strip() == "One." and v1.updated == EARLY
        assert source.revised(categories=["eess.SP"], window=Window(EARLY, INSIDE)) == []
