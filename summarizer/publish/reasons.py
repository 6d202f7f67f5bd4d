"""The ranking's reason for a paper as a Chinese reader reads it, on the site and in pushes.

The rank stage writes each reason in the digest's own words (`keywords: a, b; follows: A;
similarity 0.42, closest to “T”`, kept in the TOC digest and the JSON lines as they are); the site
and the pushes are read in Chinese, so each known part is said in Chinese there. A part this
module does not know (a reason from a newer ranker, or one already in Chinese) is kept as it is.
"""

from __future__ import annotations

import re

_PARTS = (
    (re.compile(r"keywords: (.+)", re.DOTALL), "关键词：{0}"),
    (re.compile(r"follows: (.+)", re.DOTALL), "作者：{0}"),
    (re.compile(r"similarity ([0-9.]+), closest to:? (.+)", re.DOTALL), "相似度 {0}，最接近：{1}"),
)
_TITLES_AND = "” and “"  # between the quoted titles of the closest profile papers
_NONE = "matches none of your interests"


def reason_zh(why: str) -> str:
    """`why` with each part the ranker writes said in Chinese, parts joined by `；`."""
    pieces = why.split("; ")
    parts = []
    for number, part in enumerate(pieces):
        if part == _NONE:
            parts.append("与你的兴趣都不相符")
            continue
        if part.startswith("similarity "):  # the last part: a title may hold "; " itself
            part = "; ".join(pieces[number:])
        for pattern, chinese in _PARTS:
            match = pattern.fullmatch(part)
            if match:
                groups = [g.replace(_TITLES_AND, "”、“") for g in match.groups()]
                parts.append(chinese.format(*groups))
                break
        else:
            parts.append(part)
        if part.startswith("similarity "):
            break
    return "；".join(parts)
