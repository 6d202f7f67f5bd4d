"""Citation data in the pages: the COinS span each paper carries, for the Zotero Connector.

A COinS span is `<span class="Z3988" title="...">` whose title is an OpenURL 1.0 ContextObject
in key=value form, each value URL-encoded. Zotero reads it as its `parseContextObject` does
(zotero/utilities, openurl.js): the format `info:ofi/fmt:kev:mtx:dc` with `rft.type=preprint`
makes a preprint item; `rft.title`, `rft.au` (one per author), `rft.date` and `rft_id` are
read (an http `rft_id` becomes the item's URL); values are decoded with '+' read as a space.
`rft_id=info:arxiv/<id>` names the paper. site.js builds the same string for search
results and starred papers (keep the two in step: tests compare them).
"""

from __future__ import annotations

import re
from urllib.parse import quote

_NEW_ID = re.compile(r"(\d{2})(\d{2})\.\d{4,5}")
_OLD_ID = re.compile(r"[a-z][a-z-]*(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}")


def arxiv_month(paper_id: str) -> str:
    """The month an arXiv id was issued in, `YYYY-MM` ("" for what is not an id)."""
    if match := _NEW_ID.fullmatch(paper_id):
        return f"20{match.group(1)}-{match.group(2)}"
    if match := _OLD_ID.fullmatch(paper_id):
        yy = int(match.group(1))
        return f"{1900 + yy if yy >= 91 else 2000 + yy}-{match.group(2)}"
    return ""


def _text(value: str) -> str:
    return quote(value, safe="")


def _address(value: str) -> str:
    return quote(value, safe=":/")


def coins_title(*, paper_id: str, title: str, authors: list[str]) -> str:
    """The ContextObject of one arXiv paper (the span's title, before HTML escaping)."""
    url = f"https://arxiv.org/abs/{paper_id}"
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "preprint"),
        ("rft.title", _text(" ".join(title.split()))),
        *(("rft.au", _text(name)) for name in authors if name.strip()),
        ("rft.date", arxiv_month(paper_id)),
        ("rft.source", "arXiv"),
        ("rft_id", _address(f"info:arxiv/{paper_id}")),
        ("rft_id", _address(url)),
    ]
    return "&".join(f"{key}={value}" for key, value in pairs if value)
