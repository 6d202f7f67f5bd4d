"""A local HTTP server standing in for arxiv.org's HTML and PDF pages, plus builders for both.

Usage: `with WebStandin() as web:` then fill `web.html["2601.00001v1"]` with
`make_latexml_html(...)` and `web.pdf["2601.00001v1"]` with `make_pdf([...])`, and pass
`web.url` as the arXiv web URL (`fetch_body(..., web_url=web.url)`).
"""

from __future__ import annotations

import contextlib
import html
import re
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

_ROUTE = re.compile(r"^/(html|pdf)/(.+v[0-9]+)$")


class WebStandin:
    """arxiv.org on 127.0.0.1: `GET /html/{id}v{n}` from `html`, `GET /pdf/{id}v{n}` from `pdf`.

    Anything else, or a key that is not in the dict, is a 404. `requests` counts every request
    and `paths` logs them in order; `delay` (seconds) is slept before each answer.
    """

    def __init__(self) -> None:
        self.html: dict[str, str] = {}
        self.pdf: dict[str, bytes] = {}
        self.paths: list[str] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so close() returns quickly
            name="web-standin",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.paths)

    def _record(self, path: str) -> None:
        with self._lock:
            self.paths.append(path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WebStandin:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _handler_for(standin: WebStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            standin._record(path)
            if standin.delay:
                time.sleep(standin.delay)
            match = _ROUTE.match(path)
            if match and match[1] == "html" and match[2] in standin.html:
                body = standin.html[match[2]].encode("utf-8")
                self._send(200, "text/html; charset=utf-8", body)
            elif match and match[1] == "pdf" and match[2] in standin.pdf:
                self._send(200, "application/pdf", standin.pdf[match[2]])
            else:
                self._send(404, "text/plain; charset=utf-8", f"Not found: {path}\n".encode())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may have given up already (a timeout test); nothing to report then.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler


# --- PDF -------------------------------------------------------------------------------------

_PAGE_TOP = 750
_LINE_HEIGHT = 14


def _pdf_string(line: str) -> bytes:
    """A PDF literal string in WinAnsi (Latin-1 subset); other characters become '?'."""
    raw = line.encode("latin-1", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(pages: Sequence[str]) -> bytes:
    """A minimal valid PDF: one page per string, one Helvetica text object per line.

    Lines are not wrapped and a page holds about 50 lines on the page box; pypdf's
    `extract_text()` returns the lines, one per output line.
    """
    page_count = max(len(pages), 1)
    font_id = 3
    first_page_id = 4  # page i is object 4 + 2i, its content stream 5 + 2i
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{first_page_id + 2 * i} 0 R" for i in range(page_count))
            + f"] /Count {page_count} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i in range(page_count):
        text = pages[i] if i < len(pages) else ""
        ops = []
        for n, line in enumerate(text.splitlines()):
            y = _PAGE_TOP - n * _LINE_HEIGHT
            ops.append(b"BT /F1 11 Tf 72 %d Td " % y + _pdf_string(line) + b" Tj ET")
        stream = b"\n".join(ops)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> "
            f"/Contents {first_page_id + 2 * i + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


# --- LaTeXML-shaped HTML ---------------------------------------------------------------------

_MATH = re.compile(r"\$([^$]+)\$")

_NOISE_HEAD = """<meta charset="utf-8">
<style>.ltx_page_main{margin:auto} body::before{content:"STYLE NOISE"}</style>
<script>window.SCRIPT_NOISE = "script noise should never be read";</script>"""

_NOISE_TOP = """<header class="desktop_header"><a href="https://arxiv.org/">arXiv header noise</a>
<button>Report Issue</button></header>
<nav class="ltx_page_navbar"><ol class="ltx_toccontents"><li>Navigation noise</li></ol></nav>"""

_NOISE_BOTTOM = """<footer class="ltx_page_footer"><div class="ltx_page_logo">Generated by LaTeXML
footer noise</div></footer>
<script>console.log("more script noise")</script>"""


def _math(tex: str) -> str:
    alt = html.escape(tex, quote=True)
    # MathML children echo the symbols; a reader must use alttext, not this inner text.
    return (
        f'<math class="ltx_Math" alttext="{alt}" display="inline"><semantics>'
        f"<mrow><mi>{html.escape(tex)}</mi></mrow>"
        f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation>'
        f"</semantics></math>"
    )


def _inline(text: str) -> str:
    """Escape `text`, turning each `$tex$` into a LaTeXML <math> element."""
    parts = _MATH.split(text)
    return "".join(_math(p) if i % 2 else html.escape(p) for i, p in enumerate(parts))


def _paras(body: str, sid: str) -> str:
    chunks = [c.strip() for c in body.split("\n\n") if c.strip()]
    return "\n".join(
        f'<div id="{sid}.p{n}" class="ltx_para"><p class="ltx_p">{_inline(c)}</p></div>'
        for n, c in enumerate(chunks, start=1)
    )


def make_latexml_html(
    *,
    title: str,
    sections: Sequence[tuple[str, str]],
    references: Sequence[str] = (),
    appendix: Sequence[tuple[str, str]] = (),
) -> str:
    """A page shaped like arXiv's LaTeXML rendering, page noise included.

    Section bodies are split into paragraphs on blank lines; `$tex$` becomes `<math alttext>`.
    """
    out = [
        f'<!DOCTYPE html>\n<html lang="en"><head><title>{html.escape(title)}</title>',
        _NOISE_HEAD,
        "</head><body>",
        _NOISE_TOP,
        '<div class="ltx_page_main"><div class="ltx_page_content">',
        '<article class="ltx_document ltx_authors_1line">',
        f'<h1 class="ltx_title ltx_title_document">{_inline(title)}</h1>',
    ]
    for n, (heading, body) in enumerate(sections, start=1):
        out.append(
            f'<section id="S{n}" class="ltx_section">\n<h2 class="ltx_title ltx_title_section">'
            f'<span class="ltx_tag ltx_tag_section">{n} </span>{_inline(heading)}</h2>\n'
            f"{_paras(body, f'S{n}')}\n</section>"
        )
    if references:
        items = "\n".join(
            f'<li id="bib.bib{n}" class="ltx_bibitem"><span class="ltx_tag ltx_tag_bibitem">'
            f'[{n}]</span><span class="ltx_bibblock">{_inline(ref)}</span></li>'
            for n, ref in enumerate(references, start=1)
        )
        out.append(
            '<section id="bib" class="ltx_bibliography">\n'
            '<h2 class="ltx_title ltx_title_bibliography">References</h2>\n'
            f'<ul class="ltx_biblist">\n{items}\n</ul>\n</section>'
        )
    for n, (heading, body) in enumerate(appendix, start=1):
        letter = chr(ord("A") + n - 1)
        out.append(
            f'<section id="A{n}" class="ltx_appendix">\n'
            f'<h2 class="ltx_title ltx_title_appendix"><span class="ltx_tag ltx_tag_appendix">'
            f"Appendix {letter} </span>{_inline(heading)}</h2>\n"
            f"{_paras(body, f'A{n}')}\n</section>"
        )
    out += ["</article>", "</div>", _NOISE_BOTTOM, "</div></body></html>"]
    return "\n".join(out)
