"""Getting messages out: an SMTP connection (STARTTLS or implicit TLS) or an outbox folder of .eml files.

Both transports answer `deliver(msg)` with an Outcome per message. A temporary (4xx)
answer is retried a few times with backoff, within one time budget for the whole run
(a server that always answers 4xx costs at most that, not a back-off per governor); a
permanent (5xx) one is an Outcome, so the other governors still get theirs; an
unreachable server is a TrackerError raised before anything is handed over. A login is
never made over an unencrypted connection, and the password is never in a repr.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from types import TracebackType
from typing import Protocol

from tracker.config.profiles import SMTP_SECURITY, EmailSettings
from tracker.core.commands import run_command
from tracker.core.errors import TrackerError
from tracker.core.files import atomic_write

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
RETRY_DELAYS = (2.0, 10.0, 30.0)  # seconds before each retry of a temporary failure
RETRY_BUDGET = 60.0  # seconds of such waiting in one whole run, however many governors
PLAIN_LOGIN = (
    "which would send the password unencrypted: use starttls or tls, or no user for a local relay that needs no login"
)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None = field(repr=False)  # never in a log line or a traceback
    from_address: str | None
    timeout: float = 30.0

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


def smtp_settings(
    config: EmailSettings | None, env: Mapping[str, str], require_password: bool = True
) -> SmtpSettings | None:
    """The trust.yaml `email:` block overridden by TRACKER_SMTP_*; None when no host is set."""
    config = config or EmailSettings()
    host = env.get("TRACKER_SMTP_HOST") or config.host
    if not host:
        return None
    security = (env.get("TRACKER_SMTP_SECURITY") or config.security).strip().lower()
    if security not in SMTP_SECURITY:
        raise TrackerError(f"TRACKER_SMTP_SECURITY={security!r} should be one of: {', '.join(SMTP_SECURITY)}")
    port_text = env.get("TRACKER_SMTP_PORT")
    if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        raise TrackerError(f"TRACKER_SMTP_PORT={port_text!r} should be a port number (1 to 65535)")
    user = env.get("TRACKER_SMTP_USER") or config.user
    if user and security == "none":
        raise TrackerError(f"SMTP user {user!r} is set with security: none, {PLAIN_LOGIN}")
    password = env.get("TRACKER_SMTP_PASSWORD") or None
    if user and not password and require_password:
        raise TrackerError(f"SMTP user {user!r} is set but TRACKER_SMTP_PASSWORD is not: set it in the environment")
    return SmtpSettings(
        host=host,
        port=int(port_text) if port_text else config.port or DEFAULT_PORTS[security],
        security=security,
        user=user,
        password=password,
        from_address=env.get("TRACKER_SMTP_FROM") or config.from_address,
        timeout=float(config.timeout),
    )


@dataclass(frozen=True)
class Outcome:
    ok: bool
    answer: str  # the server's reply, or why it never got that far
    attempts: int = 1


class Transport(Protocol):
    """Where messages go: an SMTP server, or an outbox folder in a dry run.

    Entering it connects (an unreachable server is a TrackerError, before anything is
    handed over); `deliver` hands over one message for one recipient.
    """

    def __enter__(self) -> Transport: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def deliver(
        self, msg: EmailMessage, sender: str, recipient: str, before_data: Callable[[], None] | None = None
    ) -> Outcome:
        """`before_data` is called just before the message itself is handed over (SMTP DATA)."""
        ...


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}".strip()


class SmtpTransport:
    """One connection for the whole run; use as a context manager."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        delays: tuple[float, ...] = RETRY_DELAYS,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.settings = settings
        self.sleep = sleep
        self.delays = delays
        self.context = ssl_context or ssl.create_default_context()
        self.smtp: smtplib.SMTP | None = None
        self.waited = 0.0  # seconds spent waiting to retry, this run
        self.budget = RETRY_BUDGET

    def __enter__(self) -> SmtpTransport:
        s = self.settings
        try:
            if s.security == "tls":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.context)
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            self.smtp.ehlo()
            if s.security == "starttls":
                if not self.smtp.has_extn("starttls"):
                    raise TrackerError(
                        f"the SMTP server {s} does not offer STARTTLS, so nothing was sent"
                        " (the pack will not travel unencrypted; use security: none only for a local relay)"
                    )
                self.smtp.starttls(context=self.context)
                self.smtp.ehlo()
            if s.user:
                if s.security == "none":  # settings made by hand: smtp_settings refuses this already
                    raise TrackerError(
                        f"the SMTP server {s}: a login with security: none, {PLAIN_LOGIN}; nothing was sent"
                    )
                self.smtp.login(s.user, s.password or "")
        except TrackerError:
            self._close()
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self._close()
            raise TrackerError(
                f"the SMTP server {s} refused the login for {s.user!r} ({_answer(exc.smtp_code, exc.smtp_error)}),"
                " so nothing was sent"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise TrackerError(f"cannot reach the SMTP server {s} ({_reason(exc)}), so nothing was sent") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
        self._close()

    def _close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def deliver(
        self, msg: EmailMessage, sender: str, recipient: str, before_data: Callable[[], None] | None = None
    ) -> Outcome:
        """Hand one message for one recipient to the server, retrying temporary refusals
        while the run's waiting budget lasts."""
        data = msg.as_bytes(policy=SMTP)
        attempt = 0
        while True:
            attempt += 1
            code, answer = self._try(data, sender, recipient, before_data)
            if 200 <= code < 300:
                return Outcome(True, answer, attempt)
            if 400 <= code < 500 and attempt <= len(self.delays):
                delay = self.delays[attempt - 1]
                if self.waited + delay <= self.budget:
                    self.waited += delay
                    self.sleep(delay)
                    continue
                answer += f"; not retried: the server has refused for now for {self.waited:g} s in this run"
            return Outcome(False, answer, attempt)

    def _try(self, data: bytes, sender: str, recipient: str, before_data: Callable[[], None] | None) -> tuple[int, str]:
        smtp = self.smtp
        assert smtp is not None, "use SmtpTransport as a context manager"
        try:
            for step in (lambda: smtp.mail(sender), lambda: smtp.rcpt(recipient)):
                code, text = step()
                if not 200 <= code < 300:
                    smtp.rset()
                    return code, _answer(code, text)
            if before_data is not None:
                before_data()  # from here on, the server may have the message whatever happens to us
            code, text = smtp.data(data)
            if not 200 <= code < 300:
                smtp.rset()
            return code, _answer(code, text)
        except smtplib.SMTPDataError as exc:  # refused after DATA
            smtp.rset()
            return exc.smtp_code, _answer(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as exc:
            raise TrackerError(
                f"lost the connection to the SMTP server {self.settings} while sending to {recipient} ({_reason(exc)});"
                " those already sent are recorded, and anyone whose message may have reached the server is held"
                f" in doubt (see {run_command('status')}): run the same command again to send the rest"
            ) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, smtplib.SMTPResponseException):
        return _answer(exc.smtp_code, exc.smtp_error)
    return re.sub(r"\s+", " ", str(exc)).strip() or type(exc).__name__


class OutboxTransport:
    """The dry run: each message becomes a standard .eml file a person can open."""

    def __init__(self, folder: Path, name: str | None = None):
        self.folder = Path(folder)
        self.name = name  # a fixed file name, else one per recipient
        self.written: list[Path] = []

    def __enter__(self) -> OutboxTransport:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None

    def deliver(
        self, msg: EmailMessage, sender: str, recipient: str, before_data: Callable[[], None] | None = None
    ) -> Outcome:
        safe = re.sub(r"[^A-Za-z0-9._@-]+", "_", recipient)
        path = self.folder / f"{self.name or safe}.eml"
        atomic_write(path, msg.as_bytes(policy=SMTP))
        self.written.append(path)
        return Outcome(True, f"written to {path}")
