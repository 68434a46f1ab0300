"""Sending e-mail through SMTP (``SMMFLOW_SMTP_URL``); without it, e-mail is only logged."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlparse

log = logging.getLogger("smmflow.mail")


def build_message(sender: str, recipients: Sequence[str], subject: str, *, text: str = "",
                  html: str | None = None,
                  attachments: Sequence[tuple[str, str, bytes]] = ()) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg.set_content(text or "This message is best read in an HTML-capable mail client.")
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, mime, payload in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(payload, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=filename)
    return msg


def send_mail(app: Any, recipients: Sequence[str], subject: str, *, text: str = "",
              html: str | None = None, attachments: Sequence[tuple[str, str, bytes]] = ()) -> bool:
    """Send one message; returns False (and logs) when no SMTP server is configured."""
    settings = app.extensions["smmflow"].settings
    if not recipients:
        return False
    msg = build_message(settings.mail_from, recipients, subject, text=text, html=html,
                        attachments=attachments)
    if not settings.smtp_url:
        log.info("e-mail not sent (SMMFLOW_SMTP_URL unset): %r to %d recipient(s)", subject,
                 len(recipients))
        return False
    url = urlparse(settings.smtp_url)
    port = url.port or (465 if url.scheme == "smtps" else 25)
    cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with cls(url.hostname or "localhost", port, timeout=settings.http_timeout) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(msg)
    return True
