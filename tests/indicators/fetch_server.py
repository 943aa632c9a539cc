"""A local HTTP mirror of DATA_DIR for the fetch_data tests: http.server in a thread, with HTTP Range."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

_RANGE = re.compile(r"bytes=(\d+)-$")


class _Handler(BaseHTTPRequestHandler):
    server: Mirror

    def do_GET(self):
        mirror = self.server
        path = (mirror.root / unquote(urlparse(self.path).path).lstrip("/")).resolve()
        if mirror.root not in path.parents or not path.is_file():
            mirror.requests.append((self.path, self.headers.get("Range"), 404, 0))
            self.send_error(404, "Not Found")
            return
        body = path.read_bytes()
        match = _RANGE.match(self.headers.get("Range", ""))
        if match and mirror.honour_range:
            start = int(match.group(1))
            if start >= len(body):
                mirror.requests.append((self.path, self.headers.get("Range"), 416, 0))
                self.send_error(416, "Range Not Satisfiable")
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            body = body[start:]
            status = 206
        else:
            self.send_response(200)
            status = 200
        mirror.requests.append((self.path, self.headers.get("Range"), status, len(body)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


class Mirror(ThreadingHTTPServer):
    """Serves ``root``; ``requests`` records (path, Range header, status, body bytes) of every request."""

    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = Path(root).resolve()
        self.requests: list[tuple[str, str | None]] = []
        self.honour_range = True
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
