"""Email through the configured SMTP server: parsed settings, real sends to a local server, failures as results."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy

import pytest

from workbench import mail
from workbench.settings import Settings, SettingsError, SmtpConfig, parse_smtp_url

SENDER = "compliance@ombudsman.test"


# ---------------------------------------------------------------------------------------------
# The URL


def test_smtp_urls_are_parsed():
    assert parse_smtp_url("") is None
    config = parse_smtp_url("smtp://mailer:p%40ss%3Aword@mail.example:587?starttls=true")
    assert (config.host, config.port, config.starttls, config.tls) == ("mail.example", 587, True, False)
    assert (config.username, config.password) == ("mailer", "p@ss:word")
    assert parse_smtp_url("smtps://mail.example") == SmtpConfig("mail.example", 465, tls=True)
    assert parse_smtp_url("smtp://127.0.0.1:2525") == SmtpConfig("127.0.0.1", 2525)


@pytest.mark.parametrize("url, message", [
    ("http://mail.example", "must start with smtp:// or smtps://"),
    ("mail.example:25", "must start with smtp://"),
    ("smtp://", "names no host"),
    ("smtp://mail.example:twenty-five", "port is not a number"),
    ("smtp://mail.example:25?tls=yes", "unknown option 'tls'"),
    ("smtp://mail.example:25?starttls=maybe", "starttls must be true or false"),
    ("smtps://mail.example:465?starttls=true", "TLS already"),
    ("smtp://mail.example:25/inbox", "must not have a path"),
])
def test_bad_smtp_urls_are_refused_clearly(url, message):
    with pytest.raises(SettingsError, match=message) as error:
        parse_smtp_url(url)
    assert "WORKBENCH_SMTP_URL" in str(error.value)


def test_a_password_never_shows_in_a_repr_or_an_error():
    config = parse_smtp_url("smtp://mailer:hunter2secret@mail.example:587")
    assert "hunter2secret" not in repr(config) and "hunter2secret" not in config.describe()
    settings = Settings(database_url="sqlite:///x", data_dir=None, secret_key="k", demo=False, scheduler=False,
                        cookie_secure=True, allowed_hosts=(), smtp_url="smtp://mailer:hunter2secret@mail.example:587",
                        smtp=config)
    assert "hunter2secret" not in repr(settings)
    with pytest.raises(SettingsError) as error:
        parse_smtp_url("smtp://mailer:hunter2secret@mail.example:notaport")
    assert "hunter2secret" not in str(error.value)


def test_settings_read_the_mail_and_chase_variables(monkeypatch, tmp_path):
    from workbench.settings import load_settings

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_SMTP_URL", "smtp://127.0.0.1:2525?starttls=false")
    monkeypatch.setenv("WORKBENCH_MAIL_FROM", SENDER)
    monkeypatch.setenv("WORKBENCH_CHASE_AT", "7:05")
    settings = load_settings()
    assert settings.smtp == SmtpConfig("127.0.0.1", 2525)
    assert settings.mail_from == SENDER and settings.chase_at == (7, 5)
    monkeypatch.setenv("WORKBENCH_CHASE_AT", "25:00")
    with pytest.raises(SettingsError, match="WORKBENCH_CHASE_AT must be a time of day like 06:30"):
        load_settings()
    monkeypatch.setenv("WORKBENCH_CHASE_AT", "06:30")
    monkeypatch.setenv("WORKBENCH_MAIL_FROM", "not an address")
    with pytest.raises(SettingsError, match="WORKBENCH_MAIL_FROM must be an email address"):
        load_settings()
    monkeypatch.setenv("WORKBENCH_MAIL_FROM", SENDER)
    monkeypatch.setenv("WORKBENCH_CHASE_LADDER", str(tmp_path / "missing.json"))
    with pytest.raises(SettingsError, match="WORKBENCH_CHASE_LADDER: cannot read"):
        load_settings()


# ---------------------------------------------------------------------------------------------
# Sending to a real local server


class Inbox:
    def __init__(self, refuse: str = "") -> None:
        self.messages = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default),
                              getattr(session, "auth_data", None)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = Inbox(refuse="nobody@body.example")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=False)
    controller.start()
    try:
        yield inbox, SmtpConfig("127.0.0.1", port)
    finally:
        controller.stop()


def _email(to: str = "lina@body.example", attachment: bytes = b"PK\x03\x04letter") -> mail.Email:
    return mail.Email(to_address=to, to_name="Lina Officer", subject="Reminder: complaint 25 901 001",
                      body="Our letter is attached.",
                      attachments=(mail.Attachment("letter.docx", attachment, "application/octet-stream"),))


def test_a_message_with_its_attachment_is_sent(server):
    inbox, config = server
    [delivery] = asyncio.run(mail.send([_email()], config=config, sender=SENDER))
    assert delivery.status == "sent" and delivery.sent
    assert delivery.message_id.startswith("<") and delivery.message_id.endswith("@ombudsman.test>")
    [(to, message, _)] = inbox.messages
    assert to == ["lina@body.example"]
    assert message["From"] == SENDER and message["Subject"] == "Reminder: complaint 25 901 001"
    assert message["To"] == "Lina Officer <lina@body.example>"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "letter.docx"
    assert attachment.get_content() == b"PK\x03\x04letter"
    assert "Our letter is attached." in message.get_body(("plain",)).get_content()


def test_a_refused_recipient_fails_alone_and_the_others_are_sent(server):
    inbox, config = server
    results = asyncio.run(mail.send([_email(), _email("nobody@body.example"), _email("carol@body.example")],
                                    config=config, sender=SENDER))
    assert [r.status for r in results] == ["sent", "failed", "sent"]
    assert "550" in results[1].detail and "No such mailbox" in results[1].detail
    assert [to for to, _, _ in inbox.messages] == [["lina@body.example"], ["carol@body.example"]]


def test_the_user_name_and_password_are_used(server):
    inbox, config = server
    good = SmtpConfig(config.host, config.port, username="mailer", password="s3cret")
    assert asyncio.run(mail.send_one(_email(), config=good, sender=SENDER)).status == "sent"
    bad = SmtpConfig(config.host, config.port, username="mailer", password="wrong-password")
    delivery = asyncio.run(mail.send_one(_email(), config=bad, sender=SENDER))
    assert delivery.status == "failed" and "535" in delivery.detail
    assert "wrong-password" not in delivery.detail
    assert len(inbox.messages) == 1


def test_an_unreachable_server_is_a_failed_delivery_not_an_exception():
    config = SmtpConfig("127.0.0.1", _free_port())
    results = asyncio.run(mail.send([_email(), _email()], config=config, sender=SENDER))
    assert [r.status for r in results] == ["failed", "failed"]
    assert "could not connect" in results[0].detail and "refused" in results[0].detail


def test_a_silent_server_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        config = SmtpConfig("127.0.0.1", listener.getsockname()[1])
        delivery = asyncio.run(mail.send_one(_email(), config=config, sender=SENDER, timeout=0.5))
        assert delivery.status == "failed" and "timed out" in delivery.detail
    finally:
        for connection, _ in accepted:
            connection.close()
        listener.close()


def test_without_a_server_nothing_is_sent_and_that_is_said():
    results = asyncio.run(mail.send([_email()], config=None, sender=SENDER))
    assert results == [mail.Delivery("not_configured", "no mail server is configured (WORKBENCH_SMTP_URL)")]
