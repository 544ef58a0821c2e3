"""An SMTP sink on a fixed 127.0.0.1 port that can go down and come back, remembering every message by Message-ID."""

import socket
import time

from tests.fakes.smtp import SMTPServer, _BoundController


class Sink(SMTPServer):
    """The test SMTP server, bound to a port of our choosing, noting when it accepted each message."""

    def __init__(self, port):
        self.messages = []
        self.accepted_at = {}
        import threading

        self._arrived = threading.Condition()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(16)
        self._controller = _BoundController(self, sock)
        self.host, self.port = "127.0.0.1", port

    async def handle_DATA(self, server, session, envelope):
        """Accept the message and note the moment (the start of the window no SMTP client can close)."""
        answer = await super().handle_DATA(server, session, envelope)
        self.accepted_at.setdefault(self.messages[-1].message["Message-ID"], time.time())
        return answer

    def message_ids(self):
        return [received.message["Message-ID"] for received in self.messages]
