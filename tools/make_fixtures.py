"""Derive the bundled sample mailings and the golden digests from the two real sample digests.

A one-off developer tool, kept so the fixtures can be regenerated and audited. It is NOT part of
the package and NOT run by the tests (tests must never read ../shared). Usage, from the repo root:

    .venv/bin/python tools/make_fixtures.py [--samples ../shared/samples] [--check]

`--check` regenerates everything in memory and fails (status 1) if a committed file differs.
Records that fail the pydantic models are printed, never altered; they make the status 3.

Inputs (read-only, not shipped):
  ../shared/samples/digest-toc.md   27 papers, table-of-contents digest of 2026-01-07
                                    (categories eess.SP, eess.AS, cs.SD)
  ../shared/samples/jekyll-post.md  9 papers, Jekyll post of 2025-11-19 (cs.SD, eess.AS)

Outputs (the first two in standins/summarizer_standins/data/):
  sample-toc.json                    2026-01-07, 27 x {paper, brief, detailed: null}
  sample-jekyll.json                 2025-11-19, 9 x {paper, brief: null, detailed}
  tests/golden/toc-2026-01-07.md     expected TOC digest for sample-toc.json
  tests/golden/jekyll-2025-11-19.md  expected Jekyll post for sample-jekyll.json

How the records were derived
----------------------------
TOC sample (every per-paper field is copied verbatim from the sample, nothing retyped):
  id, title   from `### [n] [Title](https://arxiv.org/abs/ID)`; version is 1 for every paper.
  authors     the `*A,B,C*` line split on ','.
  primary     the `Main category:` line.
  categories  primary first. INVENTED cross-lists (the sample does not show them): papers of the
              eess.AS section get ["eess.AS", "cs.SD"], papers of the cs.SD section get
              ["cs.SD", "eess.AS"], eess.SP papers only ["eess.SP"]. Every paper keeps its
              configured primary, so the contract's placement rule (primary when configured) puts
              each one in the section where the sample shows it, while the cross-lists make every
              audio paper come back from two category queries (exercises de-duplication).
  published   INVENTED: 19:07Z on 2026-01-05 plus 52 minutes per paper in ascending-id order,
              i.e. increasing with id and inside the 2026-01-07 window
              [2026-01-05T19:00:00Z, 2026-01-06T19:00:00Z).
  abstract    the text after `Abstract: ` up to the blank line before `</details>`, verbatim
              (internal newlines and the two-space indentation of continuation paragraphs kept),
              outer whitespace stripped.
  pdf_url     https://arxiv.org/pdf/{id}v1
  brief       TL;DR / Motivation / Method / Result / Conclusion lines verbatim.

Jekyll sample:
  title       the `## ` line; authors: the Authors line split on ', '; categories: the Categories
              line in order, primary = the first one; version from the `...v1` arXiv link;
              pdf_url from the PDF line.
  published   INVENTED: 01:23Z on 2025-11-18 plus 2.5 hours per paper in ascending-id order,
              inside the anchored window [2025-11-18T00:50:00Z, 2025-11-19T00:50:00Z).
  abstract    INVENTED: the sample holds no English abstract, so each paper gets a short,
              plausible English abstract written from its title (JEKYLL_ABSTRACTS below). They are
              placeholders for the stand-in arXiv API and appear in no golden file.
  translation the Chinese line(s) between the PDF line and `<details>`, verbatim, joined by '\n'
              (FxSearcher's starts with a `【中文摘要】` line, kept).
  detailed    background / method / results = the bullets of sections 1) 2) 3) of 详细解读:
              `- **label**：text` -> Point(label, text); any other `- text` -> Point("", text);
              indentation by two spaces per level gives sub-points; trailing spaces stripped.

Normalization of the Jekyll golden (tests/golden/jekyll-2025-11-19.md)
---------------------------------------------------------------------
The golden is the sample with ONLY these changes, made line by line between `<div markdown="1">`
and `</div>` of each paper (nothing outside those regions is touched):
  N1  section markers `1.  ` `2.  ` `3.  ` (digit, '.', two spaces) become `1)  ` `2)  ` `3)  `;
      the two trailing spaces of every section marker are KEPT.
  N2  bullet lines (`- ` after 0, 2 or 4 spaces of indentation) lose their trailing spaces (the
      sample ends most of them, but not all, with two spaces, a markdown hard break).
  N3  a bare, non-bullet line inside a section becomes a bullet: `- ` + the line without its
      trailing spaces, at the same indentation (it is stored as Point(label="", text=line)).
So a renderer reproduces the golden by writing every Point as
`{'  ' * depth}- **{label}**：{text}` (or `{'  ' * depth}- {text}` when label == "") with no
trailing spaces, and every section marker as `N)` followed by exactly two spaces.

Deviations found in the Jekyll sample (all handled as described, listed by the script's run):
  - TTA (2511.14410): section markers written `1.` `2.` `3.` (N1).
  - Audio Question Answering (2511.14307), section 2: a bare line
    `**核心方法通过以下步骤解决上述问题**：` (N3)
    -> Point("", "**核心方法通过以下步骤解决上述问题**：").
  - Count The Notes (2511.14250), section 3: three bullets `- **钢琴转录**（MAESTRO数据集）：...`
    whose bold part is not directly followed by '：'; they do not match `- **label**：text`, so
    they are stored as Point("", "**钢琴转录**（MAESTRO数据集）：...")
    which renders byte-identically.
  - Every bullet line ends in either two trailing spaces or none (none: mostly the last bullet of a
    section); section markers always end in exactly two.

The TOC golden (tests/golden/toc-2026-01-07.md) is the sample with each category's paper blocks
sorted ascending by arXiv id and the `### [n]` numbers renumbered 1..27 across the file
(the sample has two cs.SD pairs out of id order); every other byte is the sample's. The blocks
are cut and re-joined mechanically; the script checks the result against the sample and also
re-renders every block from the parsed record to prove the parse is lossless.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.core.records import Brief, Detailed, Paper  # noqa: E402

DEFAULT_SAMPLES = ROOT.parent / "shared" / "samples"

TOC_OUT = ROOT / "standins" / "summarizer_standins" / "data" / "sample-toc.json"
JEKYLL_OUT = ROOT / "standins" / "summarizer_standins" / "data" / "sample-jekyll.json"
TOC_GOLDEN = ROOT / "tests" / "golden" / "toc-2026-01-07.md"
JEKYLL_GOLDEN = ROOT / "tests" / "golden" / "jekyll-2025-11-19.md"

TOC_DAY = "2026-01-07"
TOC_CATEGORIES = ["eess.SP", "eess.AS", "cs.SD"]
TOC_WINDOW = (datetime(2026, 1, 5, 19, 0, tzinfo=UTC), datetime(2026, 1, 6, 19, 0, tzinfo=UTC))
TOC_FIRST = datetime(2026, 1, 5, 19, 7, tzinfo=UTC)
TOC_STEP = timedelta(minutes=52)
# INVENTED cross-lists, keyed by the section the sample shows the paper in (see module docstring).
TOC_CROSS_LISTS = {"eess.SP": [], "eess.AS": ["cs.SD"], "cs.SD": ["eess.AS"]}

JEKYLL_DAY = "2025-11-19"
JEKYLL_CATEGORIES = ["cs.SD", "eess.AS"]
JEKYLL_WINDOW = (
    datetime(2025, 11, 18, 0, 50, tzinfo=UTC),
    datetime(2025, 11, 19, 0, 50, tzinfo=UTC),
)
JEKYLL_FIRST = datetime(2025, 11, 18, 1, 23, tzinfo=UTC)
JEKYLL_STEP = timedelta(minutes=150)

# INVENTED English abstracts for the Jekyll sample (it holds only the Chinese translation).
# Written from each title; placeholders for the stand-in arXiv API, they appear in no golden.
JEKYLL_ABSTRACTS = {
    "2511.14600": (
        "We propose a controllable generative model that predicts perceptual features for "
        "melody harmonization with a conditional variational autoencoder. The predicted "
        "features are mapped to chords, giving expressive and editable harmonizations."
    ),
    "2511.14515": (
        "We present IMSE, an efficient U-Net-based speech enhancement network that combines "
        "inception depthwise convolution with amplitude-aware linear attention. It matches "
        "larger models in quality with far fewer parameters."
    ),
    "2511.14410": (
        "We introduce TTA, a lightweight model trained jointly to transcribe, translate and "
        "align speech across languages, yielding cross-lingual speech representations that "
        "serve recognition, translation and retrieval."
    ),
    "2511.14390": (
        "We accelerate automatic differentiation of direct-form digital filters by expressing "
        "them in a general state-space form with analytic gradients and parallel scans, "
        "achieving large speed-ups over native implementations."
    ),
    "2511.14307": (
        "We describe an audio question answering system that converts calibrated segment-level "
        "event predictions into structured prompts and fine-tunes a language model with GRPO."
    ),
    "2511.14293": (
        "We study segmentwise token pruning in audio-language models, keeping the top tokens "
        "within each time segment to cut computation while preserving task performance."
    ),
    "2511.14250": (
        "We train automatic music transcription models from note-count histograms instead of "
        "aligned labels, using an expectation-maximization scheme that needs no alignment."
    ),
    "2511.14219": (
        "We mitigate Whisper hallucinations under noise with adaptive layer attention in the "
        "encoder and multi-objective knowledge distillation from a teacher trained on clean speech."
    ),
    "2511.14138": (
        "We present FxSearcher, a gradient-free framework that searches audio effect "
        "configurations to transform audio according to a text prompt, guided by a "
        "CLAP-based score."
    ),
}

HTML_UNSAFE = re.compile(r"[&<>]|\]\(")  # escaped in both formats
LIQUID = re.compile(r"\{\{|\}\}|\{%|%\}")  # neutralized in the Jekyll post only


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_inert(text: str, what: str, liquid: bool = False) -> None:
    """The samples hold no text that the contract would escape, so raw text == rendered text.

    If this ever fires, parsing would have to unescape first.
    """
    if HTML_UNSAFE.search(text) or (liquid and LIQUID.search(text)):
        raise SystemExit(f"{what}: holds text the renderer escapes: {text[:80]!r}")


# --------------------------------------------------------------------------------------------
# TOC sample
# --------------------------------------------------------------------------------------------

HEAD_RE = re.compile(r"^### \[(\d+)\] \[(.*)\]\(https://arxiv\.org/abs/(\d{4}\.\d{4,5})\)$")
BLOCK_RE = re.compile(
    r"\A### [^\n]*\n\*(?P<authors>[^\n]*)\*\n\nMain category: (?P<primary>[^\n]*)\n\n"
    r"TL;DR: (?P<tldr>[^\n]*)\n\n\n<details>\n  <summary>Details</summary>\n"
    r"Motivation: (?P<motivation>[^\n]*)\n\nMethod: (?P<method>[^\n]*)\n\n"
    r"Result: (?P<result>[^\n]*)\n\nConclusion: (?P<conclusion>[^\n]*)\n\n"
    r"Abstract: (?P<abstract>.*?)\n\n</details>\n\Z",
    re.S,
)
SECTION_RE = re.compile(r"\n\n<div id='([^']+)'></div>\n\n# \1 \[\[Back\]\]\(#toc\)\n\n\Z")


def split_toc(text: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Cut the TOC digest into prefix, [(section, block)], and the separators after each block.

    block = from `### [n]` through `</details>\n`; separator = the bytes up to the next block
    (`\n\n`, or `\n\n<div id='cat'></div>\n\n# cat [[Back]](#toc)\n\n`, or '' at the end).
    """
    starts = [m.start() for m in re.finditer(r"(?m)^### \[\d+\] ", text)]
    prefix = text[: starts[0]]
    m = re.search(r"<div id='([^']+)'></div>\n\n# \1 \[\[Back\]\]\(#toc\)\n\n\Z", prefix)
    assert m, "prefix must end in the first section header"
    section = m.group(1)
    blocks: list[tuple[str, str]] = []
    seps: list[str] = []
    for i, s in enumerate(starts):
        chunk = text[s : starts[i + 1] if i + 1 < len(starts) else len(text)]
        end = chunk.rindex("</details>\n") + len("</details>\n")
        blocks.append((section, chunk[:end]))
        sep = chunk[end:]
        seps.append(sep)
        if sep in ("\n\n", ""):
            continue
        sm = SECTION_RE.match(sep)
        assert sm, f"unexpected separator {sep!r}"
        section = sm.group(1)
    assert seps[-1] == "", "the file must end right after </details>\\n"
    return prefix, blocks, seps


def render_toc_block(n: int, rec: dict[str, Any]) -> str:
    """Re-render one block from a record: the lossless-parse check (not a golden generator)."""
    p, b = rec["paper"], rec["brief"]
    return (
        f"### [{n}] [{p['title']}](https://arxiv.org/abs/{p['id']})\n"
        f"*{','.join(p['authors'])}*\n\nMain category: {p['primary_category']}\n\n"
        f"TL;DR: {b['tldr']}\n\n\n<details>\n  <summary>Details</summary>\n"
        f"Motivation: {b['motivation']}\n\nMethod: {b['method']}\n\n"
        f"Result: {b['result']}\n\nConclusion: {b['conclusion']}\n\n"
        f"Abstract: {p['abstract']}\n\n</details>\n"
    )


def parse_toc_block(section: str, block: str) -> dict[str, Any]:
    head = HEAD_RE.match(block.split("\n", 1)[0])
    body = BLOCK_RE.match(block)
    assert head and body, f"unparsable block: {block[:100]!r}"
    _, title, pid = head.groups()
    primary = body["primary"]
    # Safe placement: the primary is configured, so the paper lands in its own section.
    assert primary == section, (pid, primary, section)
    paper: dict[str, Any] = {
        "id": pid,
        "version": 1,
        "title": title,
        "authors": body["authors"].split(","),
        "primary_category": primary,
        "categories": [primary, *TOC_CROSS_LISTS[section]],
        "published": None,  # filled in once all ids are known
        "abstract": body["abstract"].strip(),
        "pdf_url": f"https://arxiv.org/pdf/{pid}v1",
    }
    brief = {k: body[k] for k in ("tldr", "motivation", "method", "result", "conclusion")}
    for k, v in [("title", title), ("abstract", paper["abstract"]), *brief.items()]:
        assert_inert(v, f"{pid} {k}")
    for a in paper["authors"]:
        assert_inert(a, f"{pid} author")
    return {"paper": paper, "brief": brief, "detailed": None}


def assign_published(
    records: list[dict[str, Any]],
    first: datetime,
    step: timedelta,
    window: tuple[datetime, datetime],
) -> None:
    for i, rec in enumerate(sorted(records, key=lambda r: r["paper"]["id"])):
        t = first + i * step
        assert window[0] <= t < window[1], (rec["paper"]["id"], t)
        rec["paper"]["published"] = iso(t)


def build_toc(samples: Path) -> tuple[dict[str, Any], str, list[str]]:
    text = (samples / "digest-toc.md").read_text(encoding="utf-8")
    prefix, blocks, seps = split_toc(text)
    records = [parse_toc_block(sec, blk) for sec, blk in blocks]
    notes: list[str] = []

    # lossless parse: every block re-renders to the sample's bytes under its old number
    for (_, blk), rec in zip(blocks, records, strict=True):
        n = int(HEAD_RE.match(blk.split("\n", 1)[0]).group(1))  # type: ignore[union-attr]
        assert render_toc_block(n, rec) == blk, f"round trip failed for {rec['paper']['id']}"

    # TOC counts in the prefix agree with the blocks
    for cat in TOC_CATEGORIES:
        count = sum(1 for s, _ in blocks if s == cat)
        assert f"- [{cat}](#{cat}) [Total: {count}]\n" in prefix, cat

    # golden: permute blocks within each section (separators stay in place), renumber
    order: list[int] = []
    for cat in TOC_CATEGORIES:
        idx = [i for i, (s, _) in enumerate(blocks) if s == cat]
        sorted_idx = sorted(idx, key=lambda i: records[i]["paper"]["id"])
        if sorted_idx != idx:
            moved = [records[i]["paper"]["id"] for i in idx]
            notes.append(f"TOC sample: {cat} section not in id order: {moved}")
        order += sorted_idx
    out = [prefix]
    for pos, i in enumerate(order):
        blk = blocks[i][1]
        first, rest = blk.split("\n", 1)
        first = re.sub(r"^### \[\d+\] ", f"### [{pos + 1}] ", first)
        out += [first, "\n", rest, seps[pos]]
    golden = "".join(out)
    assert golden.endswith("</details>\n")

    # the golden differs from the sample only in block order and numbers
    def unnumbered(t: str) -> list[str]:
        _, bl, sp = split_toc(t)
        return sorted(re.sub(r"^### \[\d+\] ", "### [] ", b) for _, b in bl)

    assert unnumbered(golden) == unnumbered(text)
    assert split_toc(golden)[0] == prefix and split_toc(golden)[2] == seps
    assert len(golden.encode()) == len(text.encode())

    assign_published(records, TOC_FIRST, TOC_STEP, TOC_WINDOW)
    records.sort(key=lambda r: r["paper"]["id"])
    data = {"day": TOC_DAY, "categories": TOC_CATEGORIES, "records": records}
    return data, golden, notes


# --------------------------------------------------------------------------------------------
# Jekyll sample
# --------------------------------------------------------------------------------------------

MARKER_RE = re.compile(r"^([123])([.)])  $")
POINT_RE = re.compile(r"^\*\*([^*]+)\*\*：(.*)$", re.S)
JEKYLL_BLOCK_RE = re.compile(
    r"\A## (?P<title>[^\n]*)\n- \*\*Authors\*\*: (?P<authors>[^\n]*)\n"
    r"- \*\*Categories\*\*: (?P<categories>[^\n]*)\n"
    r"- \*\*arXiv\*\*: \[(?P<abs>[^\]\n]*)\]\((?P=abs)\)\n"
    r"- \*\*PDF\*\*: \[(?P<pdf>[^\]\n]*)\]\((?P=pdf)\)\n\n"
    r"(?P<translation>.*?)\n\n<details>\n<summary>详细解读</summary>\n\n<div markdown=\"1\">\n\n"
    r"(?P<body>.*?)\n</div>\n\n</details>\n\Z",
    re.S,
)
ABS_RE = re.compile(r"^https://arxiv\.org/abs/(\d{4}\.\d{4,5})v(\d+)$")


def parse_points(lines: list[str], where: str, notes: list[str]) -> list[dict[str, Any]]:
    """Nested bullets -> [Point]; two spaces of indentation per level."""
    root: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(-1, root)]
    point: dict[str, Any]
    for line in lines:
        stripped = line.rstrip(" ")
        indent = len(stripped) - len(stripped.lstrip(" "))
        assert indent % 2 == 0, (where, line)
        depth = indent // 2
        content = stripped[indent:]
        trailing = len(line) - len(stripped)
        if not content.startswith("- "):
            notes.append(f"{where}: bare line (no '- ') {content!r} -> Point(label='', text=line)")
            point = {"label": "", "text": content, "points": []}
        else:
            content = content[2:]
            if trailing not in (0, 2):
                notes.append(
                    f"{where}: bullet ending in {trailing} trailing space(s): {content[:30]!r}..."
                )
            m = POINT_RE.match(content)
            if m:
                point = {"label": m.group(1), "text": m.group(2), "points": []}
            else:
                if content.startswith("**"):
                    notes.append(
                        f"{where}: bold bullet not of the form **label**：text "
                        f"{content[:30]!r}... -> Point(label='', text=line)"
                    )
                point = {"label": "", "text": content, "points": []}
        while stack[-1][0] >= depth:
            stack.pop()
        assert stack[-1][0] == depth - 1, (where, "indent jumps a level", line)
        stack[-1][1].append(point)
        stack.append((depth, point["points"]))
    return root


def render_points(points: list[dict[str, Any]], depth: int = 0) -> list[str]:
    out: list[str] = []
    for p in points:
        head = f"**{p['label']}**：{p['text']}" if p["label"] else p["text"]
        out.append(f"{'  ' * depth}- {head}")
        out += render_points(p["points"], depth + 1)
    return out


def normalize_body(body: str, where: str, notes: list[str]) -> tuple[list[list[str]], str]:
    """Split the 详细解读 body into its three sections' lines; also return it normalized."""
    sections: list[list[str]] = []
    out: list[str] = []
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        m = MARKER_RE.match(lines[i])
        assert m and int(m.group(1)) == len(sections) + 1, (where, lines[i])
        if m.group(2) == ".":
            notes.append(f"{where}: section marker {lines[i]!r} -> '{m.group(1)})  '")
        out.append(f"{m.group(1)})  ")  # N1
        i += 1
        sec: list[str] = []
        while i < len(lines) and lines[i] != "":
            sec.append(lines[i])
            s = lines[i].rstrip(" ")
            indent = len(s) - len(s.lstrip(" "))
            # N2 (trailing spaces dropped), N3 (bare line -> bullet)
            out.append(s if s[indent:].startswith("- ") else s[:indent] + "- " + s[indent:])
            i += 1
        sections.append(sec)
        if i < len(lines):
            assert lines[i] == "" and i + 1 < len(lines), where
            out.append("")
            i += 1
    assert len(sections) == 3, where
    return sections, "\n".join(out)


def build_jekyll(samples: Path) -> tuple[dict[str, Any], str, list[str]]:
    text = (samples / "jekyll-post.md").read_text(encoding="utf-8")
    first = text.index("\n## ") + 1
    header, rest = text[:first], text[first:]
    assert rest.endswith("</details>\n\n---\n")
    blocks = rest[: -len("\n---\n")].split("\n---\n\n")
    notes: list[str] = []
    records: list[dict[str, Any]] = []
    golden_blocks: list[str] = []
    for blk in blocks:
        m = JEKYLL_BLOCK_RE.match(blk)
        assert m, f"unparsable block {blk[:80]!r}"
        am = ABS_RE.match(m["abs"])
        assert am, m["abs"]
        pid, version = am.group(1), int(am.group(2))
        assert m["pdf"] == f"https://arxiv.org/pdf/{pid}v{version}"
        where = f"jekyll {pid}"
        sections, body = normalize_body(m["body"], where, notes)
        background, method, results = (
            parse_points(s, f"{where} §{k}", notes) for k, s in enumerate(sections, 1)
        )
        # lossless: the parsed points render to exactly the normalized body
        rendered = "\n\n".join(
            f"{k})  \n" + "\n".join(render_points(pts))
            for k, pts in enumerate((background, method, results), 1)
        )
        assert rendered == body, f"{where}: points do not render to the normalized body"
        translation = m["translation"]
        assert "\n\n" not in translation and translation == translation.strip(), where
        categories = m["categories"].split(", ")
        paper: dict[str, Any] = {
            "id": pid,
            "version": version,
            "title": m["title"],
            "authors": m["authors"].split(", "),
            "primary_category": categories[0],
            "categories": categories,
            "published": None,
            "abstract": JEKYLL_ABSTRACTS[pid],
            "pdf_url": m["pdf"],
        }
        detailed = {
            "translation": translation,
            "background": background,
            "method": method,
            "results": results,
        }
        for v in [
            m["title"],
            translation,
            *paper["authors"],
            *render_points(background),
            *render_points(method),
            *render_points(results),
        ]:
            assert_inert(v, where, liquid=True)
        records.append({"paper": paper, "brief": None, "detailed": detailed})
        golden_blocks.append(blk[: m.start("body")] + body + blk[m.end("body") :])
    ids = [r["paper"]["id"] for r in records]
    assert ids == sorted(ids, reverse=True), "sample is newest first"
    golden = header + "\n---\n\n".join(golden_blocks) + "\n---\n"
    assign_published(records, JEKYLL_FIRST, JEKYLL_STEP, JEKYLL_WINDOW)
    records.sort(key=lambda r: r["paper"]["id"])
    data = {"day": JEKYLL_DAY, "categories": JEKYLL_CATEGORIES, "records": records}
    return data, golden, notes


# --------------------------------------------------------------------------------------------


def validate(data: dict[str, Any]) -> list[str]:
    """Validate every record with the project's models; return the failures (never fix them)."""
    failures: list[str] = []
    for rec in data["records"]:
        pid = rec["paper"]["id"]
        try:
            Paper.model_validate(rec["paper"])
        except Exception as e:  # noqa: BLE001
            failures.append(f"{pid} paper: {e}")
        for key, model in (("brief", Brief), ("detailed", Detailed)):
            if rec[key] is not None:
                try:
                    model.model_validate(rec[key], context={"language": "zh"})
                except Exception as e:  # noqa: BLE001
                    failures.append(f"{pid} {key}: {e}")
    return failures


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    ap.add_argument("--check", action="store_true", help="compare with the files, write nothing")
    args = ap.parse_args()

    toc_data, toc_golden, toc_notes = build_toc(args.samples)
    jek_data, jek_golden, jek_notes = build_jekyll(args.samples)
    outputs = {
        TOC_OUT: dump_json(toc_data),
        JEKYLL_OUT: dump_json(jek_data),
        TOC_GOLDEN: toc_golden,
        JEKYLL_GOLDEN: jek_golden,
    }
    for note in toc_notes + jek_notes:
        print("note:", note)
    failures = validate(toc_data) + validate(jek_data)
    for f in failures:
        print("VALIDATION FAILURE:", f)
    stale = []
    for path, content in outputs.items():
        rel = path.relative_to(ROOT)
        if args.check:
            if not path.exists() or path.read_bytes() != content.encode("utf-8"):
                stale.append(str(rel))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        print(f"wrote {rel} ({len(content.encode('utf-8'))} bytes)")
    for s in stale:
        print("STALE:", s)
    if stale:
        return 1
    return 3 if failures else 0  # 3: files are current but some record fails the models


if __name__ == "__main__":
    raise SystemExit(main())
