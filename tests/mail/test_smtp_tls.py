"""`SmtpSender` over STARTTLS and implicit TLS, with credentials, against a real aiosmtpd
server holding a self-signed certificate for `localhost` that the test makes the client trust
(through `SSL_CERT_FILE`, which the default context reads, as an operator's CA bundle would)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from blog_api.mail.message import MailMessage
from blog_api.mail.sender import DeliveryError, SmtpSender
from tests.conftest import make_settings
from tests.smtp import Inbox, free_port, text_body

USER, PASSWORD = "mailer", "relay-password"
MESSAGE = MailMessage(to="ada@example.com", subject="Hello", text="over TLS", html="<p>TLS</p>")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (and 127.0.0.1): (cert.pem, key.pem)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def _authenticator(
    server: object, session: object, envelope: object, mechanism: str, auth_data: object
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    # handled=False: aiosmtpd then answers 535 itself (True would leave the client waiting).
    return AuthResult(success=ok, handled=False)


def _serve(inbox: Inbox, port: int, **kwargs: object) -> Iterator[Controller]:
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_required=True,
        **kwargs,
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def starttls_port(inbox: Inbox, certificate: tuple[Path, Path]) -> Iterator[int]:
    port = free_port()
    # STARTTLS is required before anything else, AUTH only after it (aiosmtpd's default).
    yield from (
        port
        for _ in _serve(
            inbox, port, tls_context=_server_context(certificate), require_starttls=True
        )
    )


@pytest.fixture
def implicit_tls_port(inbox: Inbox, certificate: tuple[Path, Path]) -> Iterator[int]:
    port = free_port()
    # The whole connection is TLS; aiosmtpd's AUTH-needs-TLS check only knows STARTTLS.
    server = _serve(inbox, port, ssl_context=_server_context(certificate), auth_require_tls=False)
    yield from (port for _ in server)


@pytest.fixture
def trust(monkeypatch: pytest.MonkeyPatch, certificate: tuple[Path, Path]) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


def _sender(tmp_path: Path, port: int, security: str, password: str = PASSWORD) -> SmtpSender:
    return SmtpSender(
        make_settings(
            tmp_path,
            smtp_host="localhost",
            smtp_port=port,
            smtp_security=security,
            smtp_username=USER,
            smtp_password=password,
            smtp_timeout_seconds=5,
        )
    )


async def test_starttls_with_credentials_delivers(
    tmp_path: Path, starttls_port: int, inbox: Inbox, trust: None
) -> None:
    await _sender(tmp_path, starttls_port, "starttls").send(MESSAGE)
    [message] = await inbox.wait_for(1)
    assert message["To"] == "ada@example.com"
    assert text_body(message).strip() == "over TLS"


async def test_implicit_tls_with_credentials_delivers(
    tmp_path: Path, implicit_tls_port: int, inbox: Inbox, trust: None
) -> None:
    await _sender(tmp_path, implicit_tls_port, "tls").send(MESSAGE)
    [message] = await inbox.wait_for(1)
    assert message["To"] == "ada@example.com"


async def test_a_certificate_the_client_does_not_trust_is_refused(
    tmp_path: Path, starttls_port: int, inbox: Inbox
) -> None:
    with pytest.raises(DeliveryError) as refused:
        await _sender(tmp_path, starttls_port, "starttls").send(MESSAGE)
    assert not refused.value.permanent  # worth retrying once the operator fixes the trust
    assert "certificate" in str(refused.value).lower()
    assert inbox.messages == []


async def test_wrong_credentials_are_a_permanent_refusal(
    tmp_path: Path, starttls_port: int, inbox: Inbox, trust: None
) -> None:
    with pytest.raises(DeliveryError) as refused:
        await _sender(tmp_path, starttls_port, "starttls", password="wrong").send(MESSAGE)
    assert "535" in str(refused.value)
    assert inbox.messages == []
