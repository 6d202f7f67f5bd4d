"""E-mail over SMTP: one multipart/alternative message per day and recipient, text and HTML parts
rendered from Jinja2 templates (autoescaped HTML, inline styles, no script, no remote image)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..core.redaction import redact
from .base import DayDigest, Delivery
from .content import safe_link, tldr_text

Security = Literal["starttls", "ssl", "none"]
TIMEOUT = 60.0


@cache
def _templates() -> Environment:
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
        if self.security == "ssl":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, digest: DayDigest, *, recipient: str, skip: int = 0) -> Delivery:
        delivery = Delivery(channel=self.name, recipient=recipient, total=1, sent=min(skip, 1))
        if delivery.sent:
            return delivery
        try:
            message = build_message(digest, sender=self.sender, recipient=recipient)
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message, from_addr=self.sender, to_addrs=[recipient])
            delivery.sent = 1
        except smtplib.SMTPResponseException as exc:
            delivery.error = f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [f"{code} {_text(msg)}" for code, msg in exc.recipients.values()]
            delivery.error = f"SMTP refused the recipient: {'; '.join(codes)}"
        except (smtplib.SMTPException, OSError) as exc:
            delivery.error = f"SMTP {type(exc).__name__}: {exc}".rstrip(": ")
        if delivery.error:
            delivery.error = redact(" ".join(delivery.error.split()))
        return delivery


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
