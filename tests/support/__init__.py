"""What tests share, beside the fixtures (which live in conftest.py files): import it from the
module that holds it, never from another test module or from a conftest.

- `cli`: the `Run` of a command, the `Stage` of stand-ins a run points at, `run_main`,
  `clear_settings`, `point_env_at`, `add_fixture`, the environment of a child process
  (`clean_environ`, `child_env`), the one-line error checks (`assert_one_line`,
  `assert_one_line_exit_2`), `SENTINEL_KEY`, `FEEDBACK`, `closed_port`.
- `files`: paths (`TESTS`, `REPOSITORY`, `GOLDEN`, `FIXTURES`, `PROFILES`), golden files
  (`golden`, `assert_golden`), what a run wrote (`files_under`, `lines_equal`, `day_rows`,
  `write_rows`, `read_digests`, `placed_once`, `assert_whole`) and what it stored
  (`stored_briefs`, `batches`, `recorded_cost`).
- `build`: records in a line (`paper`, `summary`, `utc`), digest days written as JSON lines
  (`write_day`, `synthetic_entries`, `entry_for`) and the hostile paper (`hostile_entry`).
- `mailings`: two weeks of papers around the 2026 switch to daylight saving (`two_weeks`,
  `every_three_hours`, `at`, `expected_day`, `week`, `WEEKDAYS`).
- `llm`: the attempt loop driven without waiting (`Recorder`, `summarize_papers`, `PAPERS`).
- `memory`: the real command in a child process with its peak memory read from the kernel
  (`run_measured`, `Measured`: its exit status, stderr and peak, `within_limit`).
- `redaction`: every form a secret can take in a message (`every_form`, `lower_hex`).
- `actions`: a GitHub Actions workflow run here, its actions simulated (`load_workflow`,
  `Runner`, `Context`, `make_origin`, `committed`, `evaluate`).
"""
