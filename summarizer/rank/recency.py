"""How much each profile paper weighs in the profile's centroid: the more recently the reader
added it, the more (what they read now says more about what they want today than what they
read years ago; zotero-arxiv-daily weighs its library by age too).

A paper's weight halves every SUMMARIZER_PROFILE_HALF_LIFE days of age, its age counted back from
the profile's newest paper (not from today: a reader who has added nothing for a year still has
their latest interests weigh most). Papers with no date (arXiv ids, BibTeX) weigh as the newest:
what is not known to be old is not made old. A half-life of 0 weighs every paper the same.
"""

from __future__ import annotations

from .profile import ProfilePaper

DAY_SECONDS = 86_400.0


def recency_weights(profile: list[ProfilePaper], *, half_life: float) -> list[float] | None:
    """Each paper's weight, 1 for the newest (and the undated), or None when all weigh the same
    (no half-life, or no two dates apart)."""
    added = [p.added for p in profile]  # in UTC (ProfilePaper)
    dated = [a for a in added if a is not None]
    if half_life <= 0 or len(set(dated)) < 2:
        return None
    newest = max(dated)
    return [
        1.0 if a is None else 0.5 ** ((newest - a).total_seconds() / DAY_SECONDS / half_life)
        for a in added
    ]
