"""What ranking keeps between runs: the reader's profile papers and embedding vectors, each
vector stored as float32 with the hash of the text it embeds."""

from __future__ import annotations

from array import array
from collections.abc import Iterable

from ..core.records import Paper
from .connection import StoreConnection, chunks, marks, now


class RankingTables:
    """The `profile_papers` and `embeddings` tables."""

    def __init__(self, store: StoreConnection) -> None:
        self.store = store

    def profile_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        wanted = set(ids)
        rows = self.store._read("SELECT id, record FROM profile_papers")
        return {pid: Paper.model_validate_json(rec) for pid, rec in rows if pid in wanted}

    def save_profile_papers(self, papers: Iterable[Paper]) -> None:
        rows = [(p.id, p.model_dump_json(), now()) for p in papers]
        if rows:
            self.store.transaction(
                lambda conn: conn.executemany(
                    "INSERT OR REPLACE INTO profile_papers (id, record, fetched_at) "
                    "VALUES (?, ?, ?)",
                    rows,
                )
            )

    def embeddings(self, keys: Iterable[str], *, model: str) -> dict[str, tuple[str, list[float]]]:
        """(text hash, vector) of each key embedded with `model`, by key."""
        return {
            key: (text_hash, array("f", blob).tolist())
            for key, (text_hash, blob) in self.embedding_blobs(keys, model=model).items()
        }

    def embedding_blobs(self, keys: Iterable[str], *, model: str) -> dict[str, tuple[str, bytes]]:
        """(text hash, vector as float32 bytes) of each key embedded with `model`, by key: for
        a caller that reads many vectors into one array."""
        found: dict[str, tuple[str, bytes]] = {}
        for chunk in chunks(sorted(set(keys))):
            rows = self.store._read(
                "SELECT key, text_hash, vector FROM embeddings "
                f"WHERE model = ? AND key IN ({marks(chunk)})",
                (model, *chunk),
            )
            for key, text_hash, blob in rows:
                if isinstance(blob, bytes) and len(blob) % 4 == 0:  # else embedded again
                    found[key] = (text_hash, blob)
        return found

    def save_embeddings(
        self, rows: Iterable[tuple[str, str, list[float] | bytes]], *, model: str
    ) -> None:
        """(key, text hash, vector) rows, stored as float32 (a vector given as bytes is that)."""
        values = [
            (k, model, h, v if isinstance(v, bytes) else array("f", v).tobytes(), now())
            for k, h, v in rows
        ]
        if values:
            self.store.transaction(
                lambda conn: conn.executemany(
                    "INSERT OR REPLACE INTO embeddings (key, model, text_hash, vector, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    values,
                )
            )
