"""A revised paper on the site: read back from its JSON line, marked, linked to its earlier day."""

from __future__ import annotations

from datetime import date

from summarizer.core.records import UpdatedFrom
from summarizer.publish.site_data import paper_from_row

ROW = {"id": "2601.02394", "version": 2, "title": "T", "primary_category": "eess.SP"}


def test_a_revised_row_links_to_its_earlier_day_and_a_malformed_one_is_plain() -> None:
    revised = paper_from_row(
        {**ROW, "updated_from": {"version": 1, "day": "2026-01-07"}},
        category=None,
        configured=["eess.SP"],
    )
    assert revised.updated_from == UpdatedFrom(version=1, day=date(2026, 1, 7))
    assert revised.earlier_page == "2026-01-07.html#p-2601.02394"
    for bad in ({"version": 0, "day": "2026-01-07"}, {"day": "x"}, "2026-01-07", [1]):
        plain = paper_from_row({**ROW, "updated_from": bad}, category=None, configured=["eess.SP"])
        assert plain.updated_from is None and plain.earlier_page is None
    assert paper_from_row(ROW, category=None, configured=[]).updated_from is None
