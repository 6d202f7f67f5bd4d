"""The SQLite store: papers, summaries, runs, leases, deliveries and the batch ledger, with the
guard that refuses a file that is not ours and the one writer that commits. Imports only the core
and settings."""
