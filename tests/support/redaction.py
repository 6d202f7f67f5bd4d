"""Every form a secret can take in a message, for tests that look for one anywhere: as itself,
decoded from the `%XX` it was written with, URL-encoded every usual way (upper- and lower-case hex,
`+` for a space, encoded twice), JSON-escaped and HTML-escaped."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, quote_plus, unquote


def lower_hex(text: str) -> str:
    """`text` with the hex digits of its `%XX` escapes in lower case (only those)."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def every_form(secret: str) -> set[str]:
    """How a message may carry `secret`."""
    plain = {secret, unquote(secret)}
    forms = set(plain)
    for value in plain:
        for encoded in (quote(value, safe=""), quote(value), quote_plus(value)):
            forms |= {encoded, lower_hex(encoded), quote(encoded, safe="")}
        forms.add(json.dumps(value)[1:-1])
        forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
        forms.add(html.escape(value))
    return forms
