"""Synthetic papers and answers, deterministic from a seed: for benchmarks, big tests, and papers
the model stand-in has no recorded answer for."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from summarizer.core.records import Paper


def _split(words: str) -> list[str]:
    return words.split("|")


_ADJ = _split(
    "Robust|Lightweight|Scalable|Self-Supervised|Causal|Streaming|Sparse|"
    "Physics-Informed|Differentiable|Low-Latency|Federated|Adaptive|Unified|"
    "Contrastive|Bayesian|Hierarchical"
)
_METHOD = _split(
    "Diffusion Models|State-Space Networks|Graph Neural Networks|Transformers|"
    "Neural Codecs|Kalman Filtering|Deep Unfolding|Mixture-of-Experts|"
    "Low-Rank Adaptation|Sparse Bayesian Learning|Flow Matching|Conformers"
)
_TASK = _split(
    "Speech Enhancement|Sound Event Detection|Channel Estimation|Beamforming|"
    "Speaker Verification|Music Source Separation|Radar Target Detection|"
    "Acoustic Echo Cancellation|Spectrum Sensing|Direction-of-Arrival Estimation|"
    "Text-to-Speech Synthesis|ECG Arrhythmia Classification|Audio Captioning|"
    "Integrated Sensing and Communication"
)
_SETTING = _split(
    "in Reverberant Rooms|under Low SNR|for Massive MIMO|on Edge Devices|"
    "with Limited Labels|across Languages|in Multi-Speaker Scenes|for 6G Networks|"
    "with Real-Time Constraints|from Wearable Sensors"
)
_DATA = _split(
    "LibriSpeech|VCTK|DNS Challenge|AudioSet|MUSDB18|VoxCeleb2|DeepMIMO|RadioML 2018|"
    "PTB-XL|Clotho|WHAM!|ESC-50"
)
_METRIC = _split(
    "PESQ|SI-SDR|equal error rate|normalized MSE|bit error rate|F1 score|"
    "word error rate|detection probability|MOS|RMSE"
)
_FIRST = _split(
    "Wei|Anna|Rahul|Sofia|Kenji|Lukas|Mei|Omar|Elena|Jun|Priya|Mateo|Yuki|Fatima|"
    "Chen|Ivan|Laura|Hao|Nora|Diego"
)
_LAST = _split(
    "Zhang|Müller|Sharma|Rossi|Tanaka|Novak|Li|Haddad|Petrova|Wang|Iyer|García|Sato|"
    "Khan|Liu|Ivanov|Martin|Chen|Berg|O'Neil"
)
_SENTENCES = [
    "{task} remains a central problem in modern signal processing, yet existing approaches "
    "degrade sharply {setting_l} where the assumptions behind classical estimators break down.",
    "Most prior work relies on hand-crafted features or on large supervised models whose "
    "computational cost makes deployment difficult in practical systems.",
    "In this paper we propose a {adj_l} framework built on {method_l} that explicitly models the "
    "structure of the observed signals while remaining simple to train.",
    "The key idea is to decompose the problem into a coarse estimation stage and a refinement "
    "stage, and to share parameters between them so that the overall model stays compact.",
    "We further introduce a training objective that combines a reconstruction loss with a "
    "consistency term, which stabilizes optimization and reduces the need for labelled data.",
    "A theoretical analysis shows that the proposed estimator is consistent under mild "
    "conditions and that its complexity grows only linearly with the input length.",
    "Extensive experiments on {data} and on a newly collected dataset of {hours} hours show "
    "that the method improves {metric} by {gain} percent over strong baselines.",
    "Ablation studies confirm that each component contributes to the final performance and "
    "that the gains persist when the model is reduced to {params} million parameters.",
    "Compared with recent {method_l}-based systems, our approach runs {speed} times faster "
    "on a single GPU while using less memory during inference.",
    "We also evaluate robustness to unseen noise types, mismatched sampling rates and "
    "hardware impairments, where the proposed method degrades gracefully.",
    "Listening tests and qualitative examples indicate that the outputs are preferred by "
    "human raters in most conditions.",
    "Code, pretrained models and evaluation scripts will be released to facilitate "
    "reproducible research on {task_l}.",
]


def _title(rng: random.Random) -> str:
    return (
        f"{rng.choice(_ADJ)} {rng.choice(_METHOD)} for {rng.choice(_TASK)} {rng.choice(_SETTING)}"
    )


def _abstract(rng: random.Random, title_parts: dict[str, str]) -> str:
    values = dict(
        title_parts,
        data=rng.choice(_DATA),
        metric=rng.choice(_METRIC),
        hours=str(rng.randint(20, 900)),
        gain=f"{rng.uniform(3, 35):.1f}",
        params=f"{rng.uniform(0.5, 12):.1f}",
        speed=str(rng.randint(2, 9)),
    )
    out: list[str] = []
    words = 0
    order = [0, 1, 2, *rng.sample(range(3, len(_SENTENCES)), len(_SENTENCES) - 3)]
    for i in order:
        sentence = _SENTENCES[i].format(**values)
        n = len(sentence.split())
        if words >= 150 and words + n > 250:
            break
        out.append(sentence)
        words += n
    return " ".join(out)


def synthetic_papers(
    n: int,
    *,
    day_window_start: datetime,
    day_window_end: datetime,
    categories: list[str],
    seed: int = 0,
    id_prefix: str = "2601",
) -> list[Paper]:
    """`n` deterministic papers with ids `{id_prefix}.9xxxx` ascending and `published` ascending
    inside [day_window_start, day_window_end), listed in the given categories (some cross-listed,
    some also in categories outside the list), titles unique and abstracts of 150-250 words."""
    if not 0 <= n <= 10_000:
        raise ValueError("synthetic_papers makes at most 10000 papers (ids 9xxxx)")
    if not categories:
        raise ValueError("give at least one category")
    start = _utc(day_window_start)
    span = (_utc(day_window_end) - start).total_seconds()
    if span <= 0:
        raise ValueError("the window must not be empty")
    rng = random.Random(f"{seed}:{id_prefix}")
    seen: set[str] = set()
    papers: list[Paper] = []
    for i in range(n):
        title = _title(rng)
        for _ in range(1000):
            if title not in seen:
                break
            title = _title(rng)
        else:
            title = f"{title} (Part {i})"
        seen.add(title)
        adj, rest = title.split(" ", 1)
        method = next(m for m in _METHOD if rest.startswith(m))
        task = next(t for t in _TASK if f" for {t} " in title)
        setting = title.split(f" for {task} ", 1)[1].split(" (Part", 1)[0]
        parts = {
            "task": task,
            "task_l": task.lower(),
            "adj_l": adj.lower(),
            "method_l": method.lower(),
            "setting_l": setting.lower(),
        }
        primary = rng.choice(categories)
        cats = [primary]
        others = [c for c in categories if c != primary]
        if others and rng.random() < 0.3:
            cats.append(rng.choice(others))
        if rng.random() < 0.2:
            cats.append(rng.choice(["cs.LG", "eess.IV", "cs.IT", "cs.CL"]))
        version = 2 if rng.random() < 0.1 else 1
        pid = f"{id_prefix}.{90000 + i:05d}"
        published = start + timedelta(seconds=int(span * (i + 0.5) / n))
        papers.append(
            Paper(
                id=pid,
                version=version,
                title=title,
                authors=[
                    f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 7))
                ],
                primary_category=primary,
                categories=list(dict.fromkeys(cats)),
                published=published,
                abstract=_abstract(rng, parts),
                pdf_url=f"https://arxiv.org/pdf/{pid}v{version}",
            )
        )
    return papers


def _utc(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


# --- synthetic model answers ------------------------------------------------------------------

_ZH_TASK = _split(
    "语音增强|声源定位|信道估计|雷达目标检测|音乐生成|说话人识别|"
    "波束成形|频谱感知|语音分离|回声消除|心电信号分类|音频描述生成"
)
_ZH_METHOD = _split(
    "扩散模型|状态空间网络|图神经网络|变换器|稀疏贝叶斯学习|"
    "自监督学习|低秩分解|卡尔曼滤波|深度展开网络|流匹配"
)
_ZH_LABELS = {
    "background": ["研究动机", "现有不足", "问题定义"],
    "method": ["整体框架", "核心模块", "训练策略"],
    "results": ["主要结果", "消融实验", "效率分析"],
}


def _rng(key: str) -> random.Random:
    return random.Random(hashlib.sha256(key.encode("utf-8")).hexdigest())


def synthetic_answer(kind: str, key: str, *, english: bool = False) -> dict[str, Any]:
    """A deterministic, schema-valid brief or detailed answer for the paper named by `key`.

    In Chinese (every field mostly Han characters) unless `english`, which gives the same shape in
    English: valid keys, wrong language.
    """
    rng = _rng(f"{kind}:{key}")
    task, method = rng.choice(_ZH_TASK), rng.choice(_ZH_METHOD)
    gain = f"{rng.uniform(3, 30):.1f}"
    if english:
        zh = {
            "tldr": "The paper proposes a new method and reports better results on benchmarks.",
            "motivation": "Existing methods degrade in realistic noisy conditions.",
            "method": "A neural model is trained with a consistency objective.",
            "result": f"Experiments show a relative improvement of {gain} percent.",
            "conclusion": "The approach is effective and efficient.",
        }
    else:
        zh = {
            "tldr": f"本文针对{task}问题，提出了一种基于{method}的方法，"
            "实验结果表明其性能优于现有方法。",
            "motivation": f"现有{task}方法在低信噪比和复杂场景下性能明显下降，难以实际部署。",
            "method": f"作者设计了基于{method}的两阶段框架，先进行粗略估计，再逐步细化结果。",
            "result": f"在多个公开数据集上，所提方法的主要指标相对提升约{gain}%，且计算量更低。",
            "conclusion": f"该方法为{task}提供了一种高效而稳健的解决方案，具有较好的应用前景。",
        }
    if kind == "brief":
        return zh
    sections: dict[str, Any] = {}
    for name, labels in _ZH_LABELS.items():
        points = []
        for label in labels[: rng.randint(1, 3)]:
            if english:
                point: dict[str, Any] = {"label": "Key point", "text": zh["method"], "points": []}
            else:
                point = {"label": label, "text": zh[rng.choice(list(zh))], "points": []}
                if rng.random() < 0.3:
                    point["points"] = [
                        {"label": "", "text": f"进一步说明：{zh['result']}", "points": []}
                    ]
            points.append(point)
        sections[name] = points
    translation = (
        " ".join(zh.values())
        if english
        else "".join([zh["motivation"], zh["method"], zh["result"], zh["conclusion"]])
    )
    return {"translation": translation, **sections}
