"""Settings: every setting resolved in one place (flag > environment > .env > default), with
where each value came from. Imports only the core."""
