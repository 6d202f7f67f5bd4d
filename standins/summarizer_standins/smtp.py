"""A local SMTP server (aiosmtpd, a test dependency) that keeps every message it accepts.

`SmtpStandin(user=..., password=...)` asks for AUTH LOGIN/PLAIN with those credentials;
`refuse = "554 5.7.1 ..."` makes it refuse every message at DATA with that reply, as a real
server refusing relay or content does. `stall = {"bob@example.org"}` holds the end of DATA for
those recipients (sets `stalled`) until `release` is set, then answers 451 without keeping the
message: a session caught mid-send, for runs killed while sending.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        """The decoded text of the `text/{subtype}` part."""
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return str(part.get_content())
        raise KeyError(f"no text/{subtype} part")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpStandin:
    def __init__(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        security: str = "none",
        certificate: tuple[Path, Path] | None = None,
    ) -> None:
        """`security` "starttls" or "ssl" needs `certificate` (cert file, key file)."""
        self.user, self.password = user, password
        self.security, self.certificate = security, certificate
        self.mails: list[Mail] = []
        self.refuse: str | None = None
        self.stall: set[str] = set()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.logins: list[str] = []
        self.port = 0
        self._controller: Any = None

    # aiosmtpd handler hooks ---------------------------------------------------------------------
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return self.refuse
        if set(envelope.rcpt_tos) & self.stall:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 held by the stand-in, not kept"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult

        login = auth.login.decode() if isinstance(auth.login, bytes) else auth.login
        password = auth.password.decode() if isinstance(auth.password, bytes) else auth.password
        ok = login == self.user and password == self.password
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 535 on a failure

    def start(self) -> Self:
        from aiosmtpd.controller import Controller

        # aiosmtpd's own chatter would land in the stderr of the command under test.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self.port = _free_port()
        kwargs: dict[str, Any] = {}
        if self.user is not None:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,  # loopback only, no certificate to offer
                # smtplib's AUTH LOGIN sends the user name as an initial response, which
                # aiosmtpd 1.4 answers by waiting; PLAIN is what the client then uses.
                "auth_exclude_mechanism": ["LOGIN"],
            }
        if self.security != "none":
            assert self.certificate is not None, "TLS needs a certificate"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            if self.security == "ssl":
                kwargs["ssl_context"] = context
            else:
                kwargs |= {"tls_context": context, "require_starttls": True}
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, ready_timeout=30, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def env(self, *to: str) -> dict[str, str]:
        env = {
            "SUMMARIZER_SMTP_HOST": "127.0.0.1",
            "SUMMARIZER_SMTP_PORT": str(self.port),
            "SUMMARIZER_SMTP_SECURITY": self.security,
            "SUMMARIZER_MAIL_FROM": "digest@example.org",
            "SUMMARIZER_MAIL_TO": ",".join(to),
        }
        if self.user is not None:
            env["SUMMARIZER_SMTP_USER"] = self.user
            env["SUMMARIZER_SMTP_PASSWORD"] = self.password or ""
        return env

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
