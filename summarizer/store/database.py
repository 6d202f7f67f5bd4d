"""The SQLite store as one object: the connection (connection.py) and, beside it, a table object
for each responsibility: `papers` (papers and summaries), `placements` and `listings` (which day
holds a paper), `runs`, `deliveries` and `ranking` (profile papers and vectors). The batch
ledger (batch_ledger.py) and the profile store (profiles.py) are made on a store the same way.
The schema and its migrations are in schema.py."""

from __future__ import annotations

from pathlib import Path

from .connection import StoreConnection
from .deliveries import DeliveryTable
from .listings import ListingTables
from .papers import PaperTables
from .placements import PlacementTables
from .ranking import RankingTables
from .runs import RunTable


class Store(StoreConnection):
    """One store file. Opened lazily: reading a store that does not exist yet finds nothing and
    creates nothing; a file that is not a store of ours is refused untouched; safe to call from
    several threads, one at a time (see connection.StoreConnection)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.papers = PaperTables(self)
        self.placements = PlacementTables(self)
        self.listings = ListingTables(self)
        self.runs = RunTable(self)
        self.deliveries = DeliveryTable(self)
        self.ranking = RankingTables(self)

    def has_open_batches(self) -> bool:
        """Whether a provider batch this store submitted is still to be collected (the one
        question a run asks of the batch ledger without holding one)."""
        return bool(self._read("SELECT 1 FROM batches WHERE collected_at IS NULL LIMIT 1"))
