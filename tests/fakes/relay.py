"""A TCP relay on 127.0.0.1 in front of a real server: it can open late, refuse, or go silent (a hung network)."""

from __future__ import annotations

import contextlib
import socket
import threading


class Relay:
    """Forwards connections from a local port to ``target``; ``silence()`` keeps connections open but passes nothing."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener = None
        self._silent = threading.Event()
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        self.sent = bytearray()  # every byte the clients sent the server, for tests to look for a statement

    def open(self):
        """Start accepting connections on the port (until then they are refused)."""
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        threading.Thread(target=self._accept, daemon=True, name="relay-accept").start()
        return self

    def open_after(self, seconds: float):
        """Open the port ``seconds`` from now, as a database finishing its start would."""
        timer = threading.Timer(seconds, self.open)
        timer.daemon = True
        timer.start()
        return self

    def silence(self):
        """Stop passing bytes either way; connections stay open (the peer's kernel still says yes)."""
        self._silent.set()

    def resume(self):
        """Pass bytes again (what was held back is delivered)."""
        self._silent.clear()

    def _accept(self):
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            for source, sink, seen in ((client, upstream, self.sent), (upstream, client, None)):
                threading.Thread(target=self._pipe, args=(source, sink, seen), daemon=True, name="relay-pipe").start()

    def drop_connections(self):
        """Close every connection relayed so far, as a database restart does; new ones are relayed as before."""
        dropped, self._sockets = self._sockets, []
        for each in dropped:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()

    def _pipe(self, source, sink, seen):
        with contextlib.suppress(OSError):
            while not self._stopping.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if seen is not None:
                    seen += data
                while self._silent.is_set() and not self._stopping.is_set():
                    self._stopping.wait(0.1)
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self):
        """Stop listening and cut every relayed connection."""
        self._stopping.set()
        for each in [self._listener, *self._sockets]:
            if each is not None:
                with contextlib.suppress(OSError):
                    each.close()
