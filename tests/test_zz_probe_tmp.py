import time, pytest
from conftest import Stage

KINDS = ["429","500","502","503","timeout","reset","malformed","length","empty","refusal","wrong_keys","english"]

@pytest.mark.parametrize("kind", KINDS)
def test_kind(stage: Stage, cli, monkeypatch, kind):
    monkeypatch.setenv("SUMMARIZER_REQUEST_TIMEOUT", "1")
    monkeypatch.setenv("SUMMARIZER_CONCURRENCY", "32")
    stage.model.hang_seconds = 1.5
    stage.model.retry_after = "0"
    stage.model.fail_first([kind, kind])
    t = time.monotonic()
    run = cli("digest", "--date", "2026-01-07")
    print(kind, time.monotonic() - t, run.code, stage.model.requests, max(stage.model.by_paper.values()), dict(stage.model.status_counts))
    print(run.err[-2000:])
    assert run.code == 0
