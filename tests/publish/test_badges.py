"""Badges from arXiv's metadata: the code repository (cleaned) and the venue, from real-looking
comments, abstracts and journal references; COinS; property tests for the URL cleaning."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.publish.badges import code_url, venue
from summarizer.publish.citation import arxiv_month, coins_title

CANONICAL = re.compile(
    r"https://(github\.com/[A-Za-z0-9][A-Za-z0-9-]*|gitlab(\.[a-z0-9-]+)*\.[a-z]{2,}"
    r"(/[A-Za-z0-9_.-]+)+)/[A-Za-z0-9_.-]*[A-Za-z0-9_-]"
)

CODE_TABLE = [
    (
        "Code is available at https://github.com/ttakano398/SPO-CLAPScore.",
        "https://github.com/ttakano398/SPO-CLAPScore",
    ),
    ("Accepted to ICASSP 2026. Code: https://github.com/x/y.", "https://github.com/x/y"),
    (r"Code: \url{https://github.com/foo/bar\_baz}", "https://github.com/foo/bar_baz"),
    (r"\href{https://github.com/a/b}{GitHub}", "https://github.com/a/b"),
    (r"see \href{https://github.com/a/b.git}{\texttt{github.com/a/b}}", "https://github.com/a/b"),
    ("see github.com/owner/repo.git, and more", "https://github.com/owner/repo"),
    ("https://github.com/owner/repo/tree/main/src (code)", "https://github.com/owner/repo"),
    ("(https://github.com/o/r)", "https://github.com/o/r"),
    ("代码：www.github.com/O/R。", "https://github.com/O/R"),
    ("http://GitHub.com/Org-1/my.repo_2#readme", "https://github.com/Org-1/my.repo_2"),
    ("https://gitlab.com/group/sub/project/-/tree/main", "https://gitlab.com/group/sub/project"),
    ("Dataset: https://gitlab.inria.fr/team/tool.", "https://gitlab.inria.fr/team/tool"),
    ("demo https://x.github.io/proj and https://github.com/x/proj", "https://github.com/x/proj"),
    ("Project page: https://swapforward.github.io/Omni2Sound.", None),
    ("our profile https://github.com/owner only", None),
    ("https://github.com/features/copilot is not a paper's code", None),
    ("https://gist.github.com/o/abc", None),
    ("raw: https://raw.githubusercontent.com/o/r/main/x.py", None),
    ("13 pages, 7 figures", None),
]


@pytest.mark.parametrize(("text", "expected"), CODE_TABLE)
def test_code_url_from_real_looking_text(text: str, expected: str | None) -> None:
    assert code_url(text) == expected


def test_code_url_takes_the_abstract_before_the_comment() -> None:
    assert code_url("no link", None, "https://github.com/c/d") == "https://github.com/c/d"
    assert code_url("at github.com/a/b", "https://github.com/c/d") == "https://github.com/a/b"
    assert code_url(None, "") is None


VENUE_TABLE = [
    ("Accepted to ICASSP 2026. Code: https://github.com/x/y.", None, "ICASSP 2026"),
    ("5 pages, 3 figures, accepted to ICASSP 2026", None, "ICASSP 2026"),
    ("Accepted at Interspeech 2025", None, "Interspeech 2025"),
    ("Accepted at Interspeech 2026 (oral)", None, "Interspeech 2026 (oral)"),
    (
        "Accepted for publication in IEEE Transactions on Audio, Speech and Language Processing",
        None,
        "IEEE Transactions on Audio, Speech and Language Processing",
    ),
    ("Accepted by IEEE Signal Processing Letters. 5 pages", None, "IEEE Signal Processing Letters"),
    ("To appear in Proc. IEEE ICASSP 2026", None, "Proc. IEEE ICASSP 2026"),
    (
        "Accepted at the 2026 IEEE International Conference on Acoustics, Speech and Signal "
        "Processing (ICASSP)",
        None,
        "ICASSP 2026",
    ),
    ("This paper has been accepted for presentation at EUSIPCO 2025", None, "EUSIPCO 2025"),
    ("Camera-ready version for WASPAA 2025", None, "WASPAA 2025"),
    (
        "Published in IEEE Trans. Signal Process., vol. 73, pp. 1-12, 2025",
        None,
        "IEEE Trans. Signal Process",
    ),
    ("ICASSP 2026 accepted", None, "ICASSP 2026"),
    ("Submitted to ICASSP 2026", None, None),
    ("Under review at IEEE TASLP", None, None),
    ("Submitted to Interspeech 2026; not yet accepted", None, None),
    ("accepted to the journal. We thank the reviewers", None, None),
    ("13 pages, 7 figures", None, None),
    (None, None, None),
    (
        "Accepted to ICASSP 2026",
        "IEEE Signal Processing Letters 33 (2026) 1-5",
        "IEEE Signal Processing Letters 33 (2026) 1-5",
    ),
    (None, "  Phys. Rev.\n Lett. 132, 040501 (2024) ", "Phys. Rev. Lett. 132, 040501 (2024)"),
]


@pytest.mark.parametrize(("comment", "journal_ref", "expected"), VENUE_TABLE)
def test_venue_from_comment_or_journal_reference(
    comment: str | None, journal_ref: str | None, expected: str | None
) -> None:
    assert venue(comment, journal_ref) == expected


def test_a_long_venue_is_cut_at_a_word() -> None:
    long = "Accepted to " + " ".join(["Workshop"] * 30)
    found = venue(long, None)
    assert found is not None and len(found) <= 81 and found.endswith("Workshop…")


_NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True)
_OWNER = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,20}", fullmatch=True).filter(
    lambda o: o.lower() not in {"features", "orgs", "topics", "sponsors", "about", "search"}
)


@given(
    owner=_OWNER,
    repo=_NAME,
    scheme=st.sampled_from(["https://", "http://", "", "https://www.", "www."]),
    tail=st.sampled_from(["", ".git", "/", "/tree/main/src", "#readme", "?tab=x", ".git/"]),
    after=st.sampled_from(["", ".", ",", ")", ";", "。", " and more", ".)", "}"]),
    wrap=st.sampled_from(["{}", r"\url{{{}}}", r"\href{{{}}}{{code}}", "({})", "Code: {}"]),
    latex_underscores=st.booleans(),
)
def test_code_url_cleaning_gives_the_canonical_repository(
    owner: str,
    repo: str,
    scheme: str,
    tail: str,
    after: str,
    wrap: str,
    latex_underscores: bool,
) -> None:
    url = f"{scheme}github.com/{owner}/{repo}{tail}"
    if latex_underscores:
        url = url.replace("_", r"\_")
    text = wrap.format(url) + after
    assert code_url(text) == f"https://github.com/{owner}/{repo}"


@given(st.text(max_size=200))
def test_any_text_gives_no_url_or_a_clean_one(text: str) -> None:
    found = code_url(text, "see github.com/" + text)
    if found is not None:
        assert CANONICAL.fullmatch(found), found
        assert code_url(found) == found  # a clean URL stays as it is
    named = venue(text, None)
    assert named is None or (0 < len(named) <= 81 and "\n" not in named)


def test_coins_names_the_paper_and_encodes_every_text() -> None:
    title = 'A & B = "C" + D/E: 100% 语音'
    coins = coins_title(paper_id="2601.02394", title=title, authors=["Yuan-Jie Chen", " "])
    pairs = [p.split("=", 1) for p in coins.split("&")]
    assert all(len(p) == 2 and "=" not in p[1] and " " not in p[1] for p in pairs)
    values = dict(pairs)
    assert "rft_id=info:arxiv/2601.02394&rft_id=https://arxiv.org/abs/2601.02394" in coins
    assert unquote(values["rft.title"]) == title
    assert [unquote(v) for k, v in pairs if k == "rft.au"] == ["Yuan-Jie Chen"]
    assert values["rft.date"] == "2026-01" and values["rft.type"] == "preprint"
    assert values["rft_val_fmt"] == "info:ofi/fmt:kev:mtx:dc"


def test_arxiv_month_of_new_and_old_ids() -> None:
    assert arxiv_month("2601.02394") == "2026-01"
    assert arxiv_month("hep-th/9901001") == "1999-01"
    assert arxiv_month("math.GT/0309136") == "2003-09"
    assert arxiv_month("not-an-id") == ""
