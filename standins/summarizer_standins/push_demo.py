"""`make demo`'s push step: the day just written, pushed to local stand-ins of an SMTP server and
every chat platform, with what each received printed."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from datetime import date

from .chat_hooks import ChatHooks
from .smtp import SmtpStandin

READER = "reader@example.org"


def push_demo(run: Callable[[list[str]], int], day: date) -> int:
    """Run `summarizer push --date day` against the stand-ins; the command's exit status."""
    if importlib.util.find_spec("aiosmtpd") is None:
        print("\n(push demo skipped: aiosmtpd, a test dependency, is not installed)")
        return 0
    secrets = {"feishu_secret": "demo-feishu-secret", "dingtalk_secret": "SECdemo-dingtalk"}
    with ChatHooks(**secrets) as hooks, SmtpStandin() as smtp:
        env = {**smtp.env(READER), **hooks.env()}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            print()
            status = run(["push", "--date", str(day)])
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    for mail in smtp.mails:
        print(f"  e-mail to {', '.join(mail.recipients)}: {mail.message['Subject']}")
    for platform, received in sorted(hooks.received.items()):
        accepted = sum(r.accepted for r in received)
        print(f"  {platform}: {accepted} of {len(received)} request(s) accepted")
    return status
