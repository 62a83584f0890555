"""E-mail over SMTP (stdlib ``smtplib`` and ``email.message``), configured by ``MAIL_*``:
``MAIL_SERVER`` (none: mail is not configured), ``MAIL_PORT``, ``MAIL_USE_TLS`` (STARTTLS),
``MAIL_USE_SSL`` (TLS from the start), ``MAIL_USERNAME``, ``MAIL_PASSWORD``,
``MAIL_DEFAULT_SENDER``, ``MAIL_TIMEOUT`` (seconds)."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

ADDRESS_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


class MailError(Exception):
    """The SMTP server refused or could not be reached; ``str()`` says why."""


def mail_configured(config=None) -> bool:
    config = config if config is not None else current_app.config
    return bool(config.get("MAIL_SERVER")) and bool(config.get("MAIL_DEFAULT_SENDER"))


def valid_address(address: str) -> bool:
    return bool(ADDRESS_RE.match(address or ""))


def build_message(*, sender: str, recipients: list[str], subject: str, body: str, attachments: list[tuple[str, str, bytes]] = ()) -> EmailMessage:
    """A text message with attachments ``(filename, mime type, bytes)``."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(body)
    for filename, mime, data in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def send_message(msg: EmailMessage, config=None) -> None:
    """Send over SMTP; raises :class:`MailError` with the server's answer on failure."""
    config = config if config is not None else current_app.config
    host = config["MAIL_SERVER"]
    use_ssl = bool(config.get("MAIL_USE_SSL"))
    port = int(config.get("MAIL_PORT") or (465 if use_ssl else 25))
    timeout = float(config.get("MAIL_TIMEOUT") or 20)
    try:
        if use_ssl:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if config.get("MAIL_USE_TLS") and not use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError("; ".join(f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in exc.recipients.items())) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from None
    if refused:
        raise MailError("; ".join(f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in refused.items()))


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
