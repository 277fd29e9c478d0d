"""A real SMTP server on loopback (aiosmtpd) that keeps every message it is given, and DDS set to send through it."""

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller

from ..identity_provider import free_port

BASE_URL = "https://dds.example.edu"


class Mailbox:
    """aiosmtpd's handler: accepts every message, unless `refuse` names a recipient it answers 550 for."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(Message(envelope))
        return "250 OK"


class Message:
    def __init__(self, envelope):
        self.recipients = list(envelope.rcpt_tos)
        self.parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.subject = self.parsed["Subject"]
        self.sender = self.parsed["From"]
        self.text = self.parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
        self.html = self.parsed.get_body(("html",)).get_content().replace("\r\n", "\n")


class SmtpServer:
    def __init__(self, port):
        self.port = port
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_port(settings):
    """A loopback port DDS sends mail to, nothing listening yet."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "DDS <dds@example.edu>"
    settings.SIGNIN_BASE_URL = BASE_URL
    return port


@pytest.fixture
def smtp(smtp_port):
    """The SMTP server, running; its `mailbox.messages` are what it was given."""
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()
