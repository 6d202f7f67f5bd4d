"""The SQLite store as one object: the connection (connection.py) with the tables of each
responsibility beside it: papers and summaries, placements and listings, runs, deliveries,
ranking, and whether a provider batch is still open. The schema and its migrations are in
schema.py."""

from __future__ import annotations

from .batch_ledger import OpenBatches
from .deliveries import DeliveryTable
from .listings import ListingTables
from .papers import PaperTables
from .placements import PlacementTables
from .ranking import RankingTables
from .runs import RunTable


class Store(
    PaperTables,
    PlacementTables,
    ListingTables,
    RunTable,
    DeliveryTable,
    RankingTables,
    OpenBatches,
):
    """One store file. Opened lazily: reading a store that does not exist yet finds nothing and
    creates nothing; a file that is not a store of ours is refused untouched; safe to call from
    several threads, one at a time (see connection.StoreConnection)."""
