"""E-mail: messages written in the recipient's language, sent through SMTP from the background.

Configured by MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS
(STARTTLS), MAIL_USE_SSL, MAIL_FROM and MAIL_TIMEOUT (seconds, default 30), through
Flask-Mailman.  A message is composed at once (so it
reads in its recipient's language, with absolute links) and delivered in the
background with retries:

- with REDIS_URL set, an RQ job on MAIL_QUEUE (default "mail"), retried after 10 s,
  1 min, 5 min and 15 min; `questionnaire worker` runs it;
- otherwise a thread of this process, with the same retries.

Without MAIL_SERVER nothing is sent: each message is written to the log instead
(the demo's outbox), with every one-time link in it replaced by a notice, because
no log may hold a secret.  Whoever made such a link (the team page, the admin
page, `questionnaire users invite`) shows it to the person who asked instead.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives, Mail

log = logging.getLogger(__name__)

mail = Mail()

DEFAULT_QUEUE = "mail"
# Seconds to wait before each new attempt after a failure that may pass (the server busy or away).
RETRY_DELAYS = (10, 60, 300, 900)
REDACTED = "[one-time link: sent to the recipient only]"


@dataclass(frozen=True)
class Outgoing:
    """A composed message, ready to send: plain text and HTML in the recipient's language."""

    to: str
    subject: str
    text: str
    html: str
    language: str
    kind: str
    # One-time links in the message, kept out of every log.
    secrets: tuple[str, ...] = field(default=())

    def redacted(self) -> str:
        """Return the plain text with its one-time links replaced by a notice."""
        text = self.text
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configured(app: Flask | None = None) -> bool:
    """Tell whether messages go out by SMTP (MAIL_SERVER is set), rather than to the log."""
    return bool((app or current_app).config.get("MAIL_SERVER"))


def server_name() -> str:
    """Return the SMTP server messages go to, as host:port."""
    config = current_app.config
    return f"{config.get('MAIL_SERVER')}:{config.get('MAIL_PORT') or 25}"


def base_url() -> str:
    """Return the address links in messages start with: this request's, else BASE_URL."""
    if has_request_context():
        return request.host_url
    return str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000/")


@contextmanager
def writing_in(language: str) -> Iterator[None]:
    """Render templates and messages in `language`, with links to the platform's address."""
    app = current_app
    with app.test_request_context("/", base_url=base_url()), force_locale(language):
        g.pop("_thbq_translations", None)  # the per-request lookup of i18n: look again in this language
        try:
            yield
        finally:
            g.pop("_thbq_translations", None)


def language_of(recipient: Any, fallback: str | None = None) -> str:
    """Return the language a message to this account is written in: its choice, else `fallback` (the
    language of whoever caused the message, for an account that has not chosen yet), else the default."""
    languages = current_app.config["LANGUAGES"]
    for chosen in (getattr(recipient, "locale", None), fallback):
        if chosen in languages:
            return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def compose(
    kind: str,
    to: str,
    language: str,
    subject: Any,
    secrets: Sequence[str] = (),
    **context: Any,
) -> Outgoing:
    """Write a message from `templates/email/<kind>.txt` and `.html` in `language`.

    `subject` is called inside the language (a function returning the translated subject), so
    every word of the message, subject included, is in the recipient's language.
    """
    with writing_in(language):
        title = str(subject())
        context = {**context, "subject": title, "kind": kind}
        text = render_template(f"email/{kind}.txt", **context)
        html = render_template(f"email/{kind}.html", **context)
    return Outgoing(to=to, subject=title, text=text, html=html, language=language, kind=kind, secrets=tuple(secrets))


def send(message: Outgoing) -> None:
    """Send a message from the background (or write it to the log without MAIL_SERVER)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not configured(app):
        log.info("e-mail not sent (no MAIL_SERVER) to %s: %s\n%s", message.to, message.subject, message.redacted())
        return
    url = app.config.get("REDIS_URL")
    if url:
        _enqueue(app, url, message)
        return
    _send_in_thread(app, message)


def _enqueue(app: Flask, url: str, message: Outgoing) -> None:
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, Retry

    try:
        Queue(app.config.get("MAIL_QUEUE") or DEFAULT_QUEUE, connection=Redis.from_url(url)).enqueue(
            "questionnaire.mail.deliver_job",
            asdict(message),
            retry=Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS)),
            result_ttl=0,
            failure_ttl=7 * 24 * 3600,
        )
    except RedisError as error:
        # The queue is away: deliver from this process rather than lose the message.
        log.warning("mail queue unavailable (%s); sending %s to %s from this process", error, message.kind, message.to)
        _send_in_thread(app, message)


def deliver_job(fields: dict[str, Any]) -> None:
    """Deliver one message (the function RQ workers call; RQ retries it when it raises)."""
    fields = dict(fields)
    fields["secrets"] = tuple(fields.get("secrets") or ())
    deliver(Outgoing(**fields))


class PermanentFailure(RuntimeError):
    """The server refused the message for good (an unknown recipient, say): trying again is useless."""


def deliver(message: Outgoing) -> None:
    """Hand one message to the SMTP server now; raise if it could not be (RQ retries those)."""
    mail_message = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        to=[message.to],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": message.language},
    )
    mail_message.attach_alternative(message.html, "text/html")
    try:
        mail_message.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        log.error("e-mail %s to %s refused by the server: %s", message.kind, message.to, type(error).__name__)
        raise PermanentFailure(f"the server refused the message to {message.to}") from None
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            log.error("e-mail %s to %s refused by the server: %s", message.kind, message.to, error.smtp_code)
            raise PermanentFailure(f"the server refused the message to {message.to}") from None
        raise
    log.info("e-mail %s sent to %s", message.kind, message.to)


# --------------------------------------------------------------------------
# Without a queue: one thread per process sends, retrying failures that may pass
# --------------------------------------------------------------------------

_outbox: queue.Queue[tuple[Flask, Outgoing]] = queue.Queue()
_sender: threading.Thread | None = None
_sender_lock = threading.Lock()


def _send_in_thread(app: Flask, message: Outgoing) -> None:
    """Hand a message to this process's sending thread (started on first use)."""
    global _sender
    with _sender_lock:
        if _sender is None or not _sender.is_alive():
            _sender = threading.Thread(target=_send_forever, name="mail-outbox", daemon=True)
            _sender.start()
    _outbox.put((app, message))


def _send_forever() -> None:
    while True:
        app, message = _outbox.get()
        try:
            with app.app_context():
                _deliver_with_retries(app, message)
        except Exception:  # never let one message stop the thread that sends the others
            log.exception("e-mail %s to %s could not be sent", message.kind, message.to)
        finally:
            _outbox.task_done()


def _deliver_with_retries(app: Flask, message: Outgoing) -> None:
    delays: Sequence[float] = app.config.get("MAIL_RETRY_DELAYS") or RETRY_DELAYS
    for attempt in range(len(delays) + 1):
        try:
            deliver(message)
            return
        except PermanentFailure:
            return
        except (smtplib.SMTPException, OSError) as error:
            if attempt == len(delays):
                log.error(
                    "e-mail %s to %s not sent after %d attempts: %s",
                    message.kind,
                    message.to,
                    attempt + 1,
                    type(error).__name__,
                )
                return
            log.warning(
                "e-mail %s to %s not sent (%s); trying again in %s s",
                message.kind,
                message.to,
                type(error).__name__,
                delays[attempt],
            )
            time.sleep(delays[attempt])


def wait_until_sent(timeout: float = 30.0) -> bool:
    """Wait until this process's sending thread has handed every message over; tell whether it has."""
    deadline = time.monotonic() + timeout
    while _outbox.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _outbox.unfinished_tasks


def init_app(app: Flask) -> None:
    """Read the MAIL_* settings into Flask-Mail's."""
    app.config.setdefault("MAIL_DEFAULT_SENDER", app.config.get("MAIL_FROM") or "no-reply@localhost")
    app.config.setdefault("MAIL_TIMEOUT", 30)
    # SMTP in tests too: they read what a real server on loopback received.
    app.config["MAIL_BACKEND"] = "smtp"
    mail.init_app(app)
