"""A TCP proxy on loopback that a test can cut and restore: a database "restart".

Processes under test connect to the proxy's port instead of PostgreSQL's. ``cut()``
closes every open connection (as a restarting server terminates its backends) and
stops listening, so new connections are refused, as they are while PostgreSQL is
down; ``restore()`` listens again on the same port. The machine's shared
PostgreSQL is never stopped, and nothing else sees the fault.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()
        self.port = 0
        self._listen()
        self._thread = threading.Thread(target=self._loop, name="tcp-proxy", daemon=True)
        self._thread.start()

    @property
    def up(self) -> bool:
        return self._listener is not None

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for client, server in self._pairs:
                for sock in (client, server):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self._pairs.clear()

    def restore(self) -> None:
        with self._lock:
            if self._listener is None:
                self._listen()

    def close(self) -> None:
        self._stopped.set()
        self.cut()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            with self._lock:
                listener = self._listener
                pairs = list(self._pairs)
            sel = selectors.DefaultSelector()
            try:
                if listener is not None:
                    sel.register(listener, selectors.EVENT_READ, None)
                for client, server in pairs:
                    sel.register(client, selectors.EVENT_READ, (client, server))
                    sel.register(server, selectors.EVENT_READ, (server, client))
                events = sel.select(timeout=0.05)
            except (OSError, ValueError):
                continue  # a socket was closed by cut() meanwhile
            finally:
                sel.close()
            for key, _ in events:
                if key.data is None:
                    self._accept(key.fileobj)  # type: ignore[arg-type]
                else:
                    self._pump(*key.data)

    def _accept(self, listener: socket.socket) -> None:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        client.setblocking(True)
        server.setblocking(True)
        with self._lock:
            if self._listener is None:  # cut meanwhile
                client.close()
                server.close()
                return
            self._pairs.append((client, server))

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            data = source.recv(65536)
            if data:
                target.sendall(data)
                return
        except OSError:
            pass
        with self._lock:
            self._pairs = [
                pair for pair in self._pairs if source not in pair and target not in pair
            ]
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.close()
