"""Mail servers on 127.0.0.1 for tests: a real SMTP server that keeps what it receives, and one that hangs."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_content().replace("\r\n", "\n")


def _listening_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1 (no window for another process to take it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


class _BoundController(Controller):
    """aiosmtpd's threaded controller, serving on a socket we bound ourselves."""

    def __init__(self, handler, sock: socket.socket):
        self._sock = sock
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1])

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class SMTPServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives."""

    def __init__(self):
        self.messages: list[Received] = []
        self._arrived = threading.Condition()
        self._controller = _BoundController(self, _listening_socket())
        self.host, self.port = "127.0.0.1", self._controller.port

    async def handle_DATA(self, server, session, envelope):
        """aiosmtpd hook: keep the message and accept it."""
        received = Received(
            envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)
        )
        with self._arrived:
            self.messages.append(received)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until ``count`` messages arrived (for background delivery); return them all."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")
            return list(self.messages)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()


class HangingSMTPServer:
    """Accepts connections and never says a word: a mail server stuck before its greeting."""

    def __init__(self):
        self._sock = _listening_socket()
        self._sock.settimeout(0.05)
        self.host, self.port = "127.0.0.1", self._sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="HangingSMTPServer")

    def _accept(self):
        while not self._stopping.is_set():
            try:
                connection, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            self.connected.set()

    @property
    def is_hanging(self) -> bool:
        """True while a client is connected and still waiting for the greeting."""
        return bool(self.connections) and not self._stopping.is_set()

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        """Hang up on every client (they see the connection close) and stop listening."""
        self._stopping.set()
        self._thread.join()
        for connection in self.connections:
            connection.close()
        self._sock.close()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
