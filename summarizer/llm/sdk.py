"""The one place openai SDK clients are made.

The SDK reads `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID` from the environment on
its own whenever it is given None. GitHub Actions exports an unset variable as an empty string, and
the SDK then takes `base_url=''`: every request fails. So every value is resolved by our settings
(where blank means unset) and passed here explicitly; the SDK never falls back to the environment.
"""

from __future__ import annotations

from typing import Any, TypeVar

import openai

DEFAULT_BASE_URL = "https://api.openai.com/v1"

Client = TypeVar("Client", openai.OpenAI, openai.AsyncOpenAI)


def sdk_client(
    kind: type[Client],
    *,
    api_key: str,
    base_url: str | None,
    timeout: Any,
    max_retries: int,
    organization: str | None = None,
    project: str | None = None,
) -> Client:
    """An SDK client of `kind` whose every setting is ours, never the environment's."""
    client = kind(
        api_key=api_key,
        base_url=base_url or DEFAULT_BASE_URL,
        organization=organization or "",
        project=project or "",
        timeout=timeout,
        max_retries=max_retries,
    )
    # Given None the SDK would read OPENAI_ORG_ID / OPENAI_PROJECT_ID itself; the headers are built
    # from these attributes at request time, and None leaves the header out.
    client.organization = organization or None
    client.project = project or None
    return client
