"""What the fake services on loopback share: a quiet HTTP/1.1 handler with a reply helper
and Range support, and a threaded server used as a context manager."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None, cut=None):
        """Answers `body` (bytes, or JSON for anything else), closing the connection; `cut`
        sends only that many body bytes after announcing the full length."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {"Content-Type": "application/json"}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data[:cut] if cut is not None else data)
        self.close_connection = True

    def reply_file(self, data, content_type, cut=None):
        """Answers a GET of `data`: 206 with Content-Range for `Range: bytes=lo-[hi]`, else 200."""
        lo, hi, status, headers = 0, len(data) - 1, 200, {"Content-Type": content_type}
        m = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if m:
            lo = int(m.group(1))
            hi = min(hi, int(m.group(2))) if m.group(2) else hi
            status = 206
            headers["Content-Range"] = f"bytes {lo}-{hi}/{len(data)}"
        return self.reply(status, data[lo:hi + 1], headers, cut)


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (a free port); `url` is its root plus `root`."""

    def __init__(self, handler, root=""):
        self.root = root
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.root}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
