"""The rank stage's reasons said in Chinese for the site and the pushes: every part the ranker
writes has its Chinese form (a change of the ranker's words fails here, not on a reader's page)."""

from __future__ import annotations

from summarizer.publish.reasons import reason_zh
from summarizer.rank.ranker import _why


def test_every_part_the_ranker_writes_is_said_in_chinese() -> None:
    why = _why(("deepfake", "LoRa"), ("Yuankun Xie",), ("Title A; with a semicolon", "B"), 0.42)
    said = reason_zh(why)
    assert said.startswith("关键词：deepfake, LoRa；作者：Yuankun Xie；相似度 0.42，最接近：")
    assert "Title A; with a semicolon" in said and "”、“" in said
    for english in ("keywords:", "follows:", "similarity", "closest to", " and "):
        assert english not in said, said
    assert reason_zh(_why((), (), (), 0.0)) == "与你的兴趣都不相符"


def test_chinese_and_unknown_parts_are_kept() -> None:
    assert reason_zh("关键词：tokenization") == "关键词：tokenization"
    assert reason_zh("keywords: a; something new") == "关键词：a；something new"
