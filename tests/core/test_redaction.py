"""Redaction knows every secret in every form a message can carry it: glued to other text,
URL-encoded (either hex case, `+` for a space, encoded twice), JSON- or HTML-escaped, decoded from
the `%XX` a setting held; and it still leaves placeholders such as `ollama` alone."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from summarizer.core import redaction
from summarizer.core.redaction import protect_secret, redact, redact_data
from tests.support.redaction import every_form, lower_hex

SECRETS = [
    "123456:telegram-bot-token-AAE4x",  # a Telegram token, glued to `bot` in its URL
    "generic%20token-%C3%A9t%41-7f3c9",  # a webhook path part written encoded
    "sécret-tökén-4242",  # non-ASCII, as a user pasted it
    "p@ss w0rd/+&<x>",  # a password with what every escaping scheme escapes
]


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_secrets", [])
    for secret in SECRETS:
        protect_secret(SecretStr(secret))


@pytest.mark.parametrize("secret", SECRETS)
def test_every_form_of_a_secret_is_masked_glued_or_not(secret: str) -> None:
    for form in every_form(secret):
        for text in (f"Cannot POST /bot{form}/sendMessage", f"x{form}y", form, f"{form}{form}"):
            out = redact(text)
            assert form not in out, (form, out)
            assert "***" in out


def test_a_placeholder_is_no_secret_and_text_around_secrets_is_kept() -> None:
    protect_secret(SecretStr("ollama"))
    protect_secret(SecretStr("EMPTY"))
    text = "ollama serve said EMPTY; see /bot123456:telegram-bot-token-AAE4x/sendMessage"
    assert redact(text) == "ollama serve said EMPTY; see /bot***/sendMessage"


def test_stored_records_are_redacted_string_by_string() -> None:
    record = {"error": f"HTTP 404 /bot{SECRETS[0]}", "n": 3, "list": [SECRETS[2], None]}
    assert redact_data(record) == {"error": "HTTP 404 /bot***", "n": 3, "list": ["***", None]}


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=20),
    after=st.text(max_size=20),
    which=st.sampled_from(SECRETS),
    encoding=st.sampled_from(["raw", "quote", "quote_plus", "lower", "json", "twice"]),
)
def test_a_secret_between_any_text_is_masked(
    before: str, after: str, which: str, encoding: str
) -> None:
    value = unquote(which)
    form = {
        "raw": value,
        "quote": quote(value, safe=""),
        "quote_plus": quote_plus(value),
        "lower": lower_hex(quote(value, safe="")),
        "json": json.dumps(value)[1:-1],
        "twice": quote(quote(value, safe=""), safe=""),
    }[encoding]
    out = redact(before + form + after)
    assert form not in out


def test_a_secret_written_encoded_is_masked_in_either_hex_case_even_when_short_decoded() -> None:
    protect_secret(SecretStr("%E7%A7%98%E5%AF%86-x"))  # 秘密-x: too short to be a secret itself
    for text in (
        "%E7%A7%98%E5%AF%86-x",
        "%e7%a7%98%e5%af%86-x",
        "%25E7%25A7%2598%25E5%25AF%2586-x",
    ):
        assert redact(f"/hook/{text}/send") == "/hook/***/send"
    assert redact("秘密-x") == "秘密-x"
