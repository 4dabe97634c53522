"""A loopback HTTP server for download tests: http.server on 127.0.0.1 in a thread, never the internet.

It serves files from a dict and records every request's path and Range header. Behaviours:
``drop_after`` bytes: the first ``drops`` responses announce the full length but close the connection
after that many bytes; ``ranges``: answer Range requests with 206 (else ignore them and send 200);
``pace_s``: pause that long after every 64 KiB (a slow link, so that a Cancel lands mid-file).
"""

from __future__ import annotations

import http.server
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Loopback:
    files: dict[str, bytes] = field(default_factory=dict)
    ranges: bool = True
    drop_after: int | None = None
    drops: int = 0
    pace_s: float = 0.0
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    port: int = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


def _handler(state: Loopback) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # http.server's name
            wanted = self.headers.get("Range")
            state.requests.append((self.path, wanted))
            body = state.files.get(self.path.lstrip("/"))
            if body is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", wanted or "")
            if match and state.ranges:
                start = int(match.group(1))
                if start >= len(body):
                    self.send_error(416, "Range Not Satisfiable")
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            if state.drop_after is not None and state.drops > 0:
                state.drops -= 1
                self.wfile.write(payload[: state.drop_after])
                self.wfile.flush()
                self.close_connection = True
                return
            if not state.pace_s:
                self.wfile.write(payload)
                return
            for start in range(0, len(payload), 1 << 16):
                try:
                    self.wfile.write(payload[start:start + (1 << 16)])
                except OSError:  # the client hung up (a cancelled download)
                    return
                time.sleep(state.pace_s)

        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

    return Handler


@contextmanager
def serving(state: Loopback) -> Iterator[Loopback]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="loopback-http", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def refused_url(name: str = "weights.pth") -> str:
    """A loopback URL nobody listens on (a port bound and closed again): the connection is refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"
