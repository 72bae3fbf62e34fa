"""The SMTP transport: STARTTLS, implicit TLS, login, and refusing to send in clear text."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.mailhelpers import Handler, free_port, start_server
from tracker.config.profiles import EmailSettings
from tracker.core.errors import TrackerError
from tracker.distribution.transport import RETRY_BUDGET, SmtpSettings, SmtpTransport, smtp_settings


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1, made fresh for this test run."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def server_context(certificate) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*map(str, certificate))
    return ctx


def client_context(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def settings(port: int, security: str, user: str | None = None, password: str | None = None) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, security, user, password, "secretary@example.org", timeout=10)


def message(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = Address("Secretary", addr_spec="secretary@example.org")
    msg["To"] = Address("Governor", addr_spec=to)
    msg["Subject"] = "Test"
    msg.set_content("Hello")
    return msg


def test_starttls_is_used_and_the_message_arrives_encrypted(certificate):
    handler = Handler()
    server = start_server(handler, tls_context=server_context(certificate), require_starttls=True)
    try:
        with SmtpTransport(settings(server.port, "starttls"), ssl_context=client_context(certificate)) as t:
            outcome = t.deliver(message("a@example.org"), "secretary@example.org", "a@example.org")
    finally:
        server.stop()
    assert outcome.ok, outcome.answer
    assert handler.received[0].rcpt_tos == ["a@example.org"]


def test_starttls_with_login_sends_the_user_and_password(certificate):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    handler = Handler()
    server = start_server(
        handler, tls_context=server_context(certificate), require_starttls=True, authenticator=authenticator
    )
    try:
        with SmtpTransport(settings(server.port, "starttls", "sec", "s3cret"), ssl_context=client_context(certificate)):
            pass
        with (
            pytest.raises(TrackerError, match=r"refused the login for 'sec' \(535 .*\), so nothing was sent"),
            SmtpTransport(settings(server.port, "starttls", "sec", "wrong"), ssl_context=client_context(certificate)),
        ):
            pass
    finally:
        server.stop()
    assert seen[0] == (b"sec", b"s3cret") and set(seen[1:]) == {(b"sec", b"wrong")}


def test_a_server_without_starttls_is_refused_rather_than_sending_in_clear_text():
    handler = Handler()
    server = start_server(handler)
    try:
        with (
            pytest.raises(TrackerError, match="does not offer STARTTLS, so nothing was sent"),
            SmtpTransport(settings(server.port, "starttls")),
        ):
            pass
    finally:
        server.stop()
    assert handler.received == []


def test_a_certificate_that_is_not_trusted_is_a_clear_error(certificate):
    server = start_server(Handler(), tls_context=server_context(certificate), require_starttls=True)
    try:
        with (
            pytest.raises(TrackerError, match=r"cannot reach the SMTP server .*CERTIFICATE_VERIFY_FAILED"),
            SmtpTransport(settings(server.port, "starttls")),  # the system CAs do not know our throwaway cert
        ):
            pass
    finally:
        server.stop()


def test_implicit_tls(certificate):
    handler = Handler()
    server = start_server(handler, server_hostname="127.0.0.1", ssl_context=server_context(certificate))
    try:
        with SmtpTransport(settings(server.port, "tls"), ssl_context=client_context(certificate)) as t:
            assert t.deliver(message("b@example.org"), "secretary@example.org", "b@example.org").ok
    finally:
        server.stop()
    assert handler.received[0].rcpt_tos == ["b@example.org"]


def test_a_temporary_refusal_that_never_clears_fails_after_the_retries():
    handler = Handler(temporary={"c@example.org": 99})
    server = start_server(handler)
    slept = []
    try:
        with SmtpTransport(settings(server.port, "none"), sleep=slept.append) as t:
            outcome = t.deliver(message("c@example.org"), "secretary@example.org", "c@example.org")
    finally:
        server.stop()
    assert not outcome.ok and outcome.answer == "451 4.7.1 Greylisted, try again later"
    assert (outcome.attempts, slept) == (4, [2.0, 10.0, 30.0])


def test_nobody_listening_is_one_clear_sentence():
    port = free_port()
    with pytest.raises(TrackerError) as caught, SmtpTransport(settings(port, "none")):
        pass
    assert (
        str(caught.value)
        == f"cannot reach the SMTP server 127.0.0.1:{port} (none) (connection refused), so nothing was sent"
    )


def test_settings_come_from_trust_yaml_and_the_environment_overrides_them():
    config = EmailSettings(
        host="smtp.example.org", port=2525, user="tracker", security="tls", from_address="x@example.org"
    )
    s = smtp_settings(config, {"TRACKER_SMTP_PASSWORD": "pw"})
    assert (s.host, s.port, s.user, s.security, s.password, s.from_address) == (
        "smtp.example.org", 2525, "tracker", "tls", "pw", "x@example.org",
    )  # fmt: skip
    s = smtp_settings(
        config, {"TRACKER_SMTP_HOST": "relay", "TRACKER_SMTP_SECURITY": "starttls", "TRACKER_SMTP_PASSWORD": "pw"}
    )
    assert (s.host, s.port, s.security) == ("relay", 2525, "starttls")
    assert smtp_settings(EmailSettings(host="h"), {}).port == 587  # starttls by default
    assert smtp_settings(None, {}) is None  # not configured: the caller does a dry run


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACKER_SMTP_HOST": "h", "TRACKER_SMTP_USER": "u"}, "TRACKER_SMTP_PASSWORD is not"),
        ({"TRACKER_SMTP_HOST": "h", "TRACKER_SMTP_PORT": "smtp"}, "TRACKER_SMTP_PORT='smtp' should be a port number"),
        ({"TRACKER_SMTP_HOST": "h", "TRACKER_SMTP_SECURITY": "ssl"}, "should be one of: starttls, tls, none"),
    ],
)
def test_bad_environment_settings_are_one_clear_sentence(env, message):
    with pytest.raises(TrackerError, match=message):
        smtp_settings(None, env)


def test_a_server_that_always_refuses_for_now_costs_a_bounded_wait_for_the_whole_run():
    people = [f"g{i}@example.org" for i in range(6)]
    handler = Handler(temporary={p: 99 for p in people})
    server = start_server(handler)
    slept = []
    try:
        with SmtpTransport(settings(server.port, "none"), sleep=slept.append) as t:
            outcomes = [t.deliver(message(p), "secretary@example.org", p) for p in people]
    finally:
        server.stop()
    assert all(not o.ok and o.answer.startswith("451 4.7.1 Greylisted") for o in outcomes)
    assert sum(slept) <= RETRY_BUDGET  # was 42 s for each governor: 252 s here
    assert slept[:3] == [2.0, 10.0, 30.0]  # the first still gets the full back-off
    assert "not retried" in outcomes[-1].answer


def test_a_login_over_an_unencrypted_connection_is_refused_before_the_password_is_sent():
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=True, handled=False)

    handler = Handler()
    server = start_server(handler, authenticator=authenticator, auth_require_tls=False)
    try:
        with (
            pytest.raises(
                TrackerError, match=r"a login with security: none, which would send the password unencrypted"
            ),
            SmtpTransport(settings(server.port, "none", "sec", "s3cret")),
        ):
            pass
    finally:
        server.stop()
    assert seen == []  # the password never left


def test_security_none_with_a_user_is_refused_in_the_settings_too():
    with pytest.raises(TrackerError, match=r"security: none, which would send the password unencrypted"):
        smtp_settings(
            EmailSettings(host="relay.example.org", user="tracker", security="none"), {"TRACKER_SMTP_PASSWORD": "pw"}
        )


def test_the_password_is_never_shown_in_the_settings_repr_or_str():
    s = settings(25, "starttls", "sec", "s3cret-Pa55")
    assert "s3cret-Pa55" not in repr(s) and "s3cret-Pa55" not in str(s)
    assert "sec" in repr(s)  # the user is not a secret
