"""`pip install summarizer` leaves out the local stand-ins (standins/, a package of its own): there
`summarizer demo` says in one line that the demo runs from a clone, exit 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The stand-ins made unimportable, as in an installation without them.
WITHOUT_STANDINS = (
    "import sys; sys.modules['summarizer_standins'] = None; "
    "from summarizer.app.cli import main; main(sys.argv[1:])"
)


def test_demo_without_the_standins_is_one_line_exit_2(isolated: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_STANDINS, "demo"],
        cwd=isolated,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("summarizer: error:")
    assert "clone" in lines[0] and "make demo" in lines[0]
    assert not (isolated / "outputs").exists()
