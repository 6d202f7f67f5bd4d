"""The provider's Batch API end to end: what to ask, the ledger in the store, submitting,
polling and collecting, and the `summarizer batch` commands."""
