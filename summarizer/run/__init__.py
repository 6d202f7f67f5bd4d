"""The run: a digest day (or a backfill, or one paper) from fetch to written files, over the
stages. Imports the stages, the store, settings and the core; never the application."""
