"""E-mail over SMTP: one multipart/alternative message per day and recipient, text and HTML parts
rendered from Jinja2 templates (autoescaped HTML, inline styles, no script, no remote image).
Its settings: the SMTP server, login, sender and recipients."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from contextvars import ContextVar
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from typing import TYPE_CHECKING, Literal

from pydantic import field_validator

from ..core.errors import InputError
from ..net.watchdog import Watchdog
from ..settings.group import Group, setting
from ..settings.kinds import CommaList, Secret
from .base import ChannelSpec, DayDigest, Delivery, secret_text
from .content import safe_link, tldr_text
from .http import quoted

if TYPE_CHECKING:
    from jinja2 import Environment

Security = Literal["starttls", "ssl", "none"]
TIMEOUT = 60.0  # seconds for each connect, read and write
DEADLINE = 120.0  # seconds for a whole session, connect to QUIT (see net.watchdog)
_MAILBOX = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


def _mailbox(address: str) -> str:
    if not _MAILBOX.fullmatch(address):
        raise ValueError(f"{address!r} is not an e-mail address")
    return address


class MailSettings(Group):
    """E-mail over SMTP: security starttls (port 587), ssl (465) or none; login when a user is
    set; the sender defaults to the user."""

    smtp_host: str | None = setting(None)
    smtp_port: int = setting(587, gt=0, lt=65536)
    smtp_user: str | None = setting(None)
    smtp_password: Secret | None = setting(None)
    smtp_security: Security = setting("starttls")
    mail_from: str | None = setting(None)
    mail_to: CommaList = setting([])

    @field_validator("mail_from")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return _mailbox(value) if value is not None else None

    @field_validator("mail_to")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        return [_mailbox(address) for address in value]


@cache
def _templates() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("summarizer.deliver", "templates"),
        autoescape=select_autoescape(["html", "html.j2"], default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_mail(digest: DayDigest) -> tuple[str, str]:
    """The plain-text and HTML bodies of the day's e-mail."""
    context = {
        "digest": digest,
        "items": digest.items,
        "tldr": tldr_text,
        "site_url": safe_link(digest.site_url, site_url=digest.site_url),
    }
    env = _templates()
    return (
        env.get_template("mail.txt.j2").render(**context),
        env.get_template("mail.html.j2").render(**context),
    )


def build_message(digest: DayDigest, *, sender: str, recipient: str) -> EmailMessage:
    text, html = render_mail(digest)
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class MailChannel:
    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: Security,
        user: str | None,
        password: str | None,
        sender: str,
        to: list[str],
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.user, self.password, self.sender, self.to = user, password, sender, to

    def recipients(self) -> list[str]:
        return list(self.to)

    def _connect(self) -> smtplib.SMTP:
        timeout = min(TIMEOUT, DEADLINE)
        if self.security == "ssl":
            context = ssl.create_default_context()
            return _WatchedSSL(self.host, self.port, timeout=timeout, context=context)
        smtp = _Watched(self.host, self.port, timeout=timeout)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, digest: DayDigest, *, recipient: str, skip: int = 0) -> Delivery:
        delivery = Delivery(channel=self.name, recipient=recipient, total=1, sent=min(skip, 1))
        if delivery.sent:
            return delivery
        watchdog = Watchdog(DEADLINE)
        watching = _WATCHDOG.set(watchdog)
        try:
            message = build_message(digest, sender=self.sender, recipient=recipient)
            with watchdog, self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message, from_addr=self.sender, to_addrs=[recipient])
            delivery.sent = 1
        except (smtplib.SMTPException, OSError) as exc:
            delivery.error = _failure(exc, expired=watchdog.expired)
        finally:
            _WATCHDOG.reset(watching)
        return delivery


# The deadline of the session being opened: smtplib opens the socket and reads the greeting in
# its constructor, before the session object could be handed a watchdog.
_WATCHDOG: ContextVar[Watchdog | None] = ContextVar("smtp_watchdog", default=None)


class _Watched(smtplib.SMTP):
    """smtplib's session, its socket watched by the current watchdog as soon as it is open
    (before the greeting, and before a TLS handshake)."""

    # smtplib opens its socket in `_get_socket` (CPython 3.x throughout; SMTP_SSL wraps it in TLS
    # in its own override, which calls this one first). Typeshed does not declare it.
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        watchdog = _WATCHDOG.get()
        if watchdog is not None:
            watchdog.watch(sock)
        return sock

    def getreply(self) -> tuple[int, bytes]:
        """A reply read as the deadline passed may be one the watchdog cut short: shut after
        "250", smtplib reads a whole 250. It is no reply (not counted as delivered)."""
        reply = super().getreply()
        watchdog = _WATCHDOG.get()
        if watchdog is not None and watchdog.expired:
            raise smtplib.SMTPServerDisconnected("the session's deadline passed")
        return reply


class _WatchedSSL(smtplib.SMTP_SSL, _Watched):
    """The same over implicit TLS: SMTP_SSL wraps the socket `_Watched` opened and watches."""


def _failure(exc: BaseException, *, expired: bool) -> str:
    """One redacted line: why the session failed, in the server's words where it gave some."""
    if expired:
        error = f"SMTP: no complete session within {DEADLINE:g} s; not counted as delivered"
    elif isinstance(exc, smtplib.SMTPResponseException):
        error = f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {_text(msg)}" for code, msg in exc.recipients.values()]
        error = f"SMTP refused the recipient: {'; '.join(codes)}"
    else:
        error = f"SMTP {type(exc).__name__}: {exc}".rstrip(": ")
    return quoted(error)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def build(settings: MailSettings) -> MailChannel:
    """The mail channel; its recipients are the addresses of SUMMARIZER_MAIL_TO."""
    sender = settings.mail_from or settings.smtp_user
    if not sender:
        raise InputError("SUMMARIZER_MAIL_FROM is not set (the sender of the e-mail)")
    if not _MAILBOX.fullmatch(sender):
        raise InputError(
            f"invalid setting SUMMARIZER_MAIL_FROM: {sender!r} (SUMMARIZER_SMTP_USER) is not an "
            "e-mail address"
        )
    return MailChannel(
        host=settings.smtp_host or "",
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=secret_text(settings.smtp_password),
        sender=sender,
        to=settings.mail_to,
    )


CHANNEL = ChannelSpec("email", MailSettings, ("smtp_host", "mail_to"), build)
