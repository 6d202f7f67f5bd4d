"""The text the model reads with `--full-text`: a paper's body, without references or appendices.

Sources, in order:

1. `{web_url}/html/{id}v{n}`, arXiv's LaTeXML rendering. We read only the
   `<article class="ltx_document">`, drop script/style/nav/header/footer and the
   `ltx_bibliography` and `ltx_appendix` sections, write each heading and paragraph as a line,
   and write math as its `alttext` (the TeX source) instead of the MathML inside it.
2. `{web_url}/pdf/{id}v{n}`, through pypdf. The text is cut at the first references heading
   (a line that is only "References", "REFERENCES", "Bibliography", "参考文献", ... optionally
   numbered, e.g. "7 References") or appendix heading ("Appendix", "APPENDIX", "Appendices",
   "Appendix A", "Appendix B: Proofs", "APPENDIX A PROOFS"; not "Appendix B shows ..."),
   whichever comes first. Everything after it goes: appendices almost always follow the
   references, and a lone "A Title" line after them cannot be told from body text anyway.
   Neither heading counts within the first `MIN_BODY_CHARS` characters, so a table of
   contents or a stray early line cannot empty the body.
3. The abstract, with a logged warning, when neither gives at least `MIN_BODY_CHARS` characters
   (404, connection refused, timeout, not a PDF, unparseable, empty extraction).

The result is whitespace-normalized and cut to `budget_tokens` exact cl100k_base tokens. Each
URL is requested at most once, always with a timeout. Network trouble never raises; a missing
tokenizer does (`TokenizerUnavailable`), before any request is made.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

import pypdf
import requests

from ..llm.tokens import count_tokens, encoding, truncate_to_tokens

log = logging.getLogger(__name__)

# Less extracted text than this is an error page, a failed conversion or a scanned PDF.
MIN_BODY_CHARS = 200

_SKIP_TAGS = frozenset({"script", "style", "nav", "header", "footer", "noscript", "svg", "button"})
_SKIP_CLASSES = frozenset({"ltx_bibliography", "ltx_appendix"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK_TAGS = _HEADING_TAGS | {"p", "div", "section", "article", "li", "br", "tr", "table", "pre"}
_BLOCK_TAGS |= {"figure", "figcaption", "blockquote", "dt", "dd"}

_REFERENCES_HEADING = re.compile(
    r"^(?:[0-9]{1,2}\.?\s*|[IVX]{1,4}\.\s*)?"
    r"(?:References|REFERENCES|Bibliography|BIBLIOGRAPHY|References and Notes|"
    r"Literature Cited|参考文献)\s*$"
)
_APPENDIX_HEADING = re.compile(
    r"^(?:APPENDIX|APPENDICES|Appendix|Appendices)\s*$"
    r"|^(?:APPENDIX|Appendix)\s+[A-Z](?:\.[0-9]+)*[.:]?(?:\s+[A-Z0-9][^.]{0,60})?\s*$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Body:
    text: str
    source: Literal["html", "pdf", "abstract"]
    tokens: int


class _NoText(Exception):
    """This source gave no usable text; the message says why (for the log)."""


def fetch_body(
    *,
    paper_id: str,
    version: int,
    abstract: str,
    web_url: str = "https://arxiv.org",
    budget_tokens: int = 12000,
    timeout: float = 30.0,
    session: requests.Session | None = None,
) -> Body:
    """The paper's body from its HTML, else its PDF, else `abstract`; at most `budget_tokens`."""
    encoding()  # raise TokenizerUnavailable before spending any requests
    base = f"{web_url.rstrip('/')}/{{kind}}/{paper_id}v{version}"
    http = session if session is not None else requests.Session()
    reasons: list[str] = []
    text: str | None = None
    source: Literal["html", "pdf", "abstract"] = "abstract"
    try:
        for kind, extract in (("html", _html_body), ("pdf", _pdf_body)):
            try:
                text = extract(_get(http, base.format(kind=kind), timeout=timeout))
            except _NoText as exc:
                reasons.append(f"{kind}: {exc}")
                log.debug("%sv%d: no %s text: %s", paper_id, version, kind, exc)
                continue
            source = "html" if kind == "html" else "pdf"
            break
    finally:
        if session is None:
            http.close()
    if text is None:
        log.warning(
            "%sv%d: no full text (%s); using the abstract", paper_id, version, "; ".join(reasons)
        )
        text = abstract
    text = truncate_to_tokens(text, budget=budget_tokens)
    return Body(text=text, source=source, tokens=count_tokens(text))


def _get(http: requests.Session, url: str, *, timeout: float) -> requests.Response:
    try:
        response = http.get(url, timeout=timeout)
    except requests.RequestException as exc:
        raise _NoText(f"{url}: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise _NoText(f"{url}: HTTP {response.status_code}")
    return response


def _require_body(text: str) -> str:
    if len(text) < MIN_BODY_CHARS:
        raise _NoText(f"only {len(text)} characters of text")
    return text


def _html_body(response: requests.Response) -> str:
    # requests assumes ISO-8859-1 for text/html without a charset; arXiv pages are UTF-8.
    charset = response.encoding if "charset" in response.headers.get("Content-Type", "") else None
    parser = _LatexmlText()
    try:
        parser.feed(response.content.decode(charset or "utf-8", errors="replace"))
        parser.close()
    except LookupError as exc:  # an unknown charset name
        raise _NoText(f"undecodable page: {exc}") from exc
    if not parser.saw_article:
        raise _NoText('no <article class="ltx_document">')
    return _require_body(normalize_whitespace(parser.text()))


def _pdf_body(response: requests.Response) -> str:
    data = response.content
    if b"%PDF" not in data[:1024]:
        raise _NoText("not a PDF")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        raw = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # pypdf raises many types on malformed files; any means "no text"
        raise _NoText(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    return _require_body(normalize_whitespace(cut_back_matter(raw)))


def cut_back_matter(text: str) -> str:
    """`text` up to its first references or appendix heading line (see the module docstring)."""
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if offset >= MIN_BODY_CHARS and (
            _REFERENCES_HEADING.match(stripped) or _APPENDIX_HEADING.match(stripped)
        ):
            return text[:offset]
        offset += len(line)
    return text


def normalize_whitespace(text: str) -> str:
    """One space between words, no control characters, no blank or padded lines."""
    lines = (" ".join(line.split()) for line in _CONTROL.sub(" ", text).splitlines())
    return "\n".join(line for line in lines if line)


class _LatexmlText(HTMLParser):
    """Plain text of a LaTeXML `<article class="ltx_document">`, one line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.saw_article = False
        self._parts: list[str] = []
        self._article_depth = 0
        # While skipping, only tags named like the skipped one matter: counting them finds its
        # end tag even when the HTML inside has unclosed <p> or void elements.
        self._skip_tag: str | None = None
        self._skip_depth = 0

    def text(self) -> str:
        return "".join(self._parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "article" and (self._article_depth or "ltx_document" in classes):
            self._article_depth += 1
            self.saw_article = True
        if tag in _SKIP_TAGS or classes & _SKIP_CLASSES:
            self._skip(tag)
        elif tag == "math":
            if self._article_depth:
                self._parts.append(attributes.get("alttext") or "")
            self._skip(tag)
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag == "article" and self._article_depth:
            self._article_depth -= 1
        if tag in _BLOCK_TAGS:
            self._parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_tag is None and self._article_depth:
            self._parts.append(data)

    def _skip(self, tag: str) -> None:
        self._skip_tag = tag
        self._skip_depth = 1
