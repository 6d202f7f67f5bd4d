"""The SQLite store: papers, summaries, placements, runs, deliveries, ranking data, leases and the
batch ledger, one module a responsibility, behind the `Store` facade (database.py); the schema and
its migrations (schema.py), the guard that refuses a file that is not ours, and the one writer
that commits. Imports only the core."""
