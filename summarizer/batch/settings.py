"""The settings of the batch engine: whether a run goes through the provider's Batch API."""

from __future__ import annotations

from ..settings.group import Group, setting
from ..settings.kinds import OnOff


class BatchSettings(Group):
    enabled: OnOff = setting(False, env="SUMMARIZER_BATCH")
    # Seconds between two looks at a submitted batch.
    poll: float = setting(60.0, env="SUMMARIZER_BATCH_POLL", gt=0, le=3600)
