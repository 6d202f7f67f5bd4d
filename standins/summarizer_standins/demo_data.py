"""What `summarizer demo` serves besides the two bundled sample days: a few papers for each other
mailing of the week the README's examples name (`backfill --from 2026-01-05 --to 2026-01-09`),
and answers that belong to their papers.

The sample mailing records only a brief per paper; a detailed analysis asked for in the demo is
made from that paper's own brief (not a synthetic text about some other topic). The week's other
papers are synthetic, and their answers speak of the task and method their titles name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from summarizer.core.days import mailing_window
from summarizer.core.records import Paper

from .fixtures import Record
from .synthetic import synthetic_papers

# The README's backfill example; 2026-01-07 is the bundled sample mailing itself.
WEEK = (date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 8), date(2026, 1, 9))
PER_DAY = 4
# arXiv numbers a month's papers in submission order: the week's ids around the sample's 2601.02xxx.
FIRST_NUMBER = {date(2026, 1, 5): 400, date(2026, 1, 6): 1400, date(2026, 1, 8): 4300}
FIRST_NUMBER[date(2026, 1, 9)] = 5300

_TASKS = {
    "Speech Enhancement": "语音增强",
    "Sound Event Detection": "声音事件检测",
    "Channel Estimation": "信道估计",
    "Beamforming": "波束成形",
    "Speaker Verification": "说话人验证",
    "Music Source Separation": "音乐源分离",
    "Radar Target Detection": "雷达目标检测",
    "Acoustic Echo Cancellation": "回声消除",
    "Spectrum Sensing": "频谱感知",
    "Direction-of-Arrival Estimation": "波达方向估计",
    "Text-to-Speech Synthesis": "语音合成",
    "ECG Arrhythmia Classification": "心电心律失常分类",
    "Audio Captioning": "音频描述生成",
    "Integrated Sensing and Communication": "通感一体化",
}
_METHODS = {
    "Diffusion Models": "扩散模型",
    "State-Space Networks": "状态空间网络",
    "Graph Neural Networks": "图神经网络",
    "Transformers": "变换器",
    "Neural Codecs": "神经编解码器",
    "Kalman Filtering": "卡尔曼滤波",
    "Deep Unfolding": "深度展开网络",
    "Mixture-of-Experts": "混合专家模型",
    "Low-Rank Adaptation": "低秩适配",
    "Sparse Bayesian Learning": "稀疏贝叶斯学习",
    "Flow Matching": "流匹配",
    "Conformers": "Conformer 网络",
}


def week_records(categories: list[str]) -> list[Record]:
    """A few papers for each mailing of `WEEK`, inside that mailing's window, with answers."""
    records = []
    for day in WEEK:
        window = mailing_window(day)
        papers = synthetic_papers(
            PER_DAY,
            day_window_start=window.start,
            day_window_end=window.end,
            categories=categories,
            seed=day.toordinal(),
        )
        for number, paper in enumerate(papers, start=FIRST_NUMBER[day]):
            pid = f"2601.{number:05d}"
            paper = paper.model_copy(
                update={"id": pid, "pdf_url": f"https://arxiv.org/pdf/{pid}v{paper.version}"}
            )
            brief = brief_of(paper)
            records.append(Record(paper=paper, brief=brief, detailed=detailed_from(brief)))
    return records


def brief_of(paper: Paper) -> dict[str, str]:
    """A brief about the task and method the (synthetic) paper's title names."""
    task = next((zh for en, zh in _TASKS.items() if f" for {en} " in f"{paper.title} "), "该任务")
    method = next((zh for en, zh in _METHODS.items() if en in paper.title), "一种新模型")
    return {
        "tldr": f"本文面向{task}，提出基于{method}的方法，在公开数据集上取得更好的效果。",
        "motivation": f"现有{task}方法在真实复杂场景下性能下降，且计算开销较大，难以部署。",
        "method": f"作者以{method}为核心设计两阶段框架，先粗略估计，再逐步细化{task}的结果。",
        "result": f"实验表明，该方法在{task}的主要指标上优于强基线，同时推理更快、更省内存。",
        "conclusion": f"基于{method}的{task}方案兼顾效果与效率，具有实际应用价值。",
    }


def detailed_from(brief: dict[str, Any]) -> dict[str, Any]:
    """A detailed analysis made from a paper's own brief: the same paper, said at length."""

    def point(label: str, text: str) -> dict[str, Any]:
        return {"label": label, "text": text, "points": []}

    return {
        "translation": "".join(
            brief[field] for field in ("motivation", "method", "result", "conclusion")
        ),
        "background": [point("研究动机", brief["motivation"])],
        "method": [point("核心方法", brief["method"])],
        "results": [point("主要结果", brief["result"]), point("结论", brief["conclusion"])],
    }


def brief_from(detailed: dict[str, Any]) -> dict[str, str]:
    """A brief made from a paper's own detailed analysis (the Jekyll sample records only that)."""
    sentences = [s + "。" for s in detailed["translation"].split("。") if s.strip()]

    def first_text(section: str) -> str:
        points = detailed[section]
        return str(points[0]["text"]) if points and points[0]["text"].strip() else sentences[0]

    return {
        "tldr": sentences[0],
        "motivation": first_text("background"),
        "method": first_text("method"),
        "result": first_text("results"),
        "conclusion": sentences[-1],
    }
