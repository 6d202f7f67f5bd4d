"""What the model must return: non-empty, Chinese, complete, not too deep."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.core.records import Brief, Detailed, looks_like
from summarizer.llm.client import strict_schema

ZH = {"language": "zh"}
BRIEF = {
    "tldr": "提出一种基于BPSK调制的水下近场通信方法。",
    "motivation": "水下群体需要隐蔽协调。",
    "method": "基于势流理论建模偶极子源，设计24传感器阵列。",
    "result": "阵列增益约13.8 dB，误码率接近零。",
    "conclusion": "验证了近场水动力通信的可行性。",
}


def point(text: str, *children: dict[str, Any], label: str = "要点") -> dict[str, Any]:
    return {"label": label, "text": text, "points": list(children)}


DETAILED = {
    "translation": "我们提出了一种新的方法。",
    "background": [point("现有方法难以处理低信噪比。")],
    "method": [point("", point("使用GRU编码旋律。"), point("解码器输出感知特征。"))],
    "results": [point("在VoiceBank+DEMAND上PESQ达到3.373。", label="")],
}


def test_valid_answers_pass() -> None:
    Brief.model_validate(BRIEF, context=ZH)
    Detailed.model_validate(DETAILED, context=ZH)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tldr": "  "}, "must not be empty"),
        (
            {"method": "We propose a new dipole model for underwater links."},
            "must be written in zh",
        ),
        ({"extra": "多余"}, "Extra inputs"),
    ],
)
def test_bad_briefs_fail(change: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Brief.model_validate(BRIEF | change, context=ZH)


def test_missing_field_fails() -> None:
    with pytest.raises(ValidationError, match="conclusion"):
        Brief.model_validate({k: v for k, v in BRIEF.items() if k != "conclusion"}, context=ZH)


def test_detailed_rules() -> None:
    with pytest.raises(ValidationError, match="at least one point"):
        Detailed.model_validate(DETAILED | {"results": []}, context=ZH)
    too_deep = [point("一", point("二", point("三", point("四"))))]
    with pytest.raises(ValidationError, match="deeper than 3"):
        Detailed.model_validate(DETAILED | {"method": too_deep}, context=ZH)
    with pytest.raises(ValidationError, match="label or a text"):
        Detailed.model_validate(DETAILED | {"background": [point("", label="")]}, context=ZH)
    english = [point("The model is trained on LibriSpeech.", label="Data")]
    with pytest.raises(ValidationError, match="must be written in zh"):
        Detailed.model_validate(DETAILED | {"background": english}, context=ZH)


def test_chinese_with_many_terms_still_counts_as_chinese() -> None:
    assert looks_like(
        "zh", "在CoVoSTv2上BLEU得分优于Whisper Medium，接近Whisper Large；整体表现稳定。"
    )
    assert not looks_like("zh", "Results on CoVoSTv2 beat Whisper Medium 中文")
    assert looks_like("en", "anything goes for other languages")


def test_strict_schema_requires_every_field_and_forbids_others() -> None:
    schema = strict_schema("detailed")
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["translation", "background", "method", "results"]
    point_schema = schema["$defs"]["Point"]
    assert point_schema["required"] == ["label", "text", "points"]
    assert point_schema["additionalProperties"] is False
