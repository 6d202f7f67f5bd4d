"""The settings of the model stage: the endpoint and its key, the provider and model, the request
shape, limits, price and how much of a paper the model reads. What is not given comes from the
provider's profile (data/providers.toml), and so do the valid provider names."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from ..core.errors import InputError
from ..settings.group import Group, setting
from ..settings.kinds import URL, OnOff, Secret, Text, UserPath
from ..settings.sources import missing_key_message
from . import providers

ResponseMode = Literal["auto", "json_schema", "json_object", "tools"]


def provider_names() -> list[str]:
    """`auto` and every provider table of data/providers.toml."""
    return ["auto", *providers.profiles()]


class LLMSettings(Group):
    """The model endpoint and how a run talks to it."""

    openai_api_key: Secret | None = setting(None, env="OPENAI_API_KEY")
    openai_base_url: URL | None = setting(None, env="OPENAI_BASE_URL")
    # Read here, not by the SDK, so that a blank one (as CI systems export) counts as unset.
    openai_org_id: str | None = setting(None, env="OPENAI_ORG_ID")
    openai_project_id: str | None = setting(None, env="OPENAI_PROJECT_ID")
    provider: str = setting("auto")
    # When not given: the provider's usual cheap model (see _provider_defaults).
    model: Text = setting("gpt-4o-mini")
    response_mode: ResponseMode = setting("auto")
    # None until resolved: the provider's (reasoning models think for minutes).
    request_timeout: float | None = setting(None, gt=0, le=900)
    language: Text = setting("zh")
    max_attempts: int = setting(3, ge=1, le=10)
    concurrency: int = setting(8, gt=0, le=256)
    rpm: int | None = setting(None, gt=0)
    tpm: int | None = setting(None, gt=0)
    max_cost: float | None = setting(None, ge=0)
    prices: UserPath | None = setting(None)
    full_text: OnOff = setting(False)
    full_text_tokens: int = setting(12000, gt=0)
    # The reader's glossary: CSV `term,zh,avoid` (llm/glossary_file.py), over the default one.
    glossary: UserPath | None = setting(None)

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        names = provider_names()
        if value not in names:
            raise ValueError(
                f"{value!r} is no provider; one of {', '.join(names)} (data/providers.toml)"
            )
        return value

    @model_validator(mode="after")
    def _provider_defaults(self) -> LLMSettings:
        """What was not given comes from the provider's profile."""
        profile = self.provider_profile
        # Set around pydantic's bookkeeping, so model_fields_set still says what was given.
        if "model" not in self.model_fields_set:
            object.__setattr__(self, "model", profile.model)
        if self.request_timeout is None:
            object.__setattr__(self, "request_timeout", profile.timeout)
        return self

    @property
    def provider_profile(self) -> providers.Profile:
        return providers.profile_for(self.provider, self.openai_base_url)

    @property
    def timeout(self) -> float:
        """Seconds one model request may take (set, else the provider's)."""
        return self.request_timeout or self.provider_profile.timeout

    def require_key(self) -> str:
        key = self.openai_api_key
        if key is None or not key.get_secret_value().strip():
            raise InputError(missing_key_message(self.origin("openai_api_key")))
        return key.get_secret_value()


__all__ = ["LLMSettings", "ResponseMode", "provider_names"]
