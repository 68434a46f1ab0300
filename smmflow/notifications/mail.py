"""Sending e-mail through the SMTP server of ``SMMFLOW_SMTP_URL``.

``smtp://user:password@host:587`` uses STARTTLS when the server offers it;
``smtps://...`` connects over TLS. With no URL, messages are logged instead
(development).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from smmflow.config import Settings

log = logging.getLogger("smmflow.mail")
SMTP_TIMEOUT = 10.0


def build_message(settings: Settings, to: str, subject: str, body: str, *,
                  html: str | None = None,
                  attachments: Sequence[tuple[str, str, bytes]] = ()) -> EmailMessage:
    """A message to ``to`` (one address or several, comma-separated); ``html`` adds an
    HTML alternative, ``attachments`` are (filename, mime type, bytes)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, mime, payload in attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=filename)
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Send ``message`` (or log it when no SMTP server is configured)."""
    if not settings.smtp_url:
        log.info("e-mail (no SMMFLOW_SMTP_URL, not sent) to %s: %s", message["To"],
                 message["Subject"])
        return
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError("SMMFLOW_SMTP_URL must start with smtp:// or smtps://")
    host = url.hostname or "localhost"
    if url.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, url.port or 465, timeout=SMTP_TIMEOUT,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, url.port or 25, timeout=SMTP_TIMEOUT)
    with server:
        if url.scheme == "smtp":
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
        if url.username:
            server.login(unquote(url.username), unquote(url.password or ""))
        server.send_message(message)
