"""`make demo`'s push step: the day just written, pushed to local stand-ins of an SMTP server and
every chat platform, with what each received printed; and the same receivers for `demo --serve`.

A chat recipient is recorded by its webhook URL, port included, so the receivers listen on the
port the last demo used when it is free (remembered in the demo's output directory): a second
`make demo` pushes to the same recipients, finds every one already delivered, and sends nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from .chat_hooks import ChatHooks
from .smtp import SmtpStandin

READER = "reader@example.org"
SECRETS = {"feishu_secret": "demo-feishu-secret", "dingtalk_secret": "SECdemo-dingtalk"}
PORTS_FILE = ".push-receivers.json"


class PushReceivers:
    """`with PushReceivers(state_dir) as r:` an SMTP server (when aiosmtpd is installed) and
    every chat platform on loopback; `r.env()` the settings that push to them."""

    def __init__(self, state_dir: Path) -> None:
        self.state = state_dir / PORTS_FILE
        self.hooks = ChatHooks(**SECRETS)
        self.smtp = SmtpStandin() if importlib.util.find_spec("aiosmtpd") else None
        self._seen: dict[str, int] = {}
        self._mails = 0

    def __enter__(self) -> PushReceivers:
        self.hooks.wanted_port = self._remembered()
        try:
            self.hooks.start()
        except OSError:  # taken by another program: any port (a new recipient this time)
            self.hooks.wanted_port = 0
            self.hooks.start()
        with contextlib.suppress(OSError):
            self.state.parent.mkdir(parents=True, exist_ok=True)
            self.state.write_text(json.dumps({"chat_hooks": self.hooks.port}), "utf-8")
        if self.smtp is not None:
            self.smtp.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.hooks.stop()
        finally:
            if self.smtp is not None:
                self.smtp.stop()

    def _remembered(self) -> int:
        try:
            port = json.loads(self.state.read_text("utf-8")).get("chat_hooks")
        except (OSError, ValueError, AttributeError):
            return 0
        return port if isinstance(port, int) and 1024 <= port < 65536 else 0

    def env(self) -> dict[str, str]:
        mail = self.smtp.env(READER) if self.smtp is not None else {}
        return {**mail, **self.hooks.env()}

    def news(self) -> list[str]:
        """What arrived since the last call: a line per e-mail, a line per platform."""
        lines = []
        mails = self.smtp.mails if self.smtp is not None else []
        for mail in mails[self._mails :]:
            lines.append(f"  e-mail to {', '.join(mail.recipients)}: {mail.message['Subject']}")
        self._mails = len(mails)
        for platform, received in sorted(self.hooks.received.items()):
            new = received[self._seen.get(platform, 0) :]
            self._seen[platform] = len(received)
            if new:
                accepted = sum(message.accepted for message in new)
                lines.append(f"  {platform}: {accepted} of {len(new)} request(s) accepted")
        return lines


@contextlib.contextmanager
def environment(settings: dict[str, str]) -> Iterator[None]:
    """`settings` in os.environ for the block; what was there before, after it."""
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def push_demo(run: Callable[[list[str]], int], day: date, *, state_dir: Path) -> int:
    """Run `summarizer push --date day` against the receivers; the command's exit status."""
    if importlib.util.find_spec("aiosmtpd") is None:
        print("\n(push demo skipped: aiosmtpd, a test dependency, is not installed)")
        return 0
    with PushReceivers(state_dir) as receivers, environment(receivers.env()):
        print()
        status = run(["push", "--date", str(day)])
        lines = receivers.news()
    for line in lines or ["  (nothing new was sent: every channel had this day already)"]:
        print(line)
    return status


def exported(settings: dict[str, Any]) -> str:
    """One `export` line for `settings`, each value quoted for the shell."""
    import shlex

    return "export " + " ".join(f"{k}={shlex.quote(str(v))}" for k, v in settings.items())
