"""A fake Copernicus CDS retrieve API on loopback (OGC API Processes flavour the real
service speaks): submit → accepted → running → successful → results asset with Range.
Used to test `biocube download era5` end to end without the internet."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeCDS:
    def __init__(self, asset: bytes, key="test-key", cut_first_download_at=None):
        self.asset, self.key, self.cut = asset, key, cut_first_download_at
        self.jobs, self.submitted, self.downloads = {}, [], 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body, headers=None, cut=None):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in (headers or {"Content-Type": "application/json"}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[:cut] if cut is not None else data)
                self.close_connection = True

            def do_GET(self):
                if self.path.startswith("/files/"):
                    fake.downloads += 1
                    lo, hi = 0, len(fake.asset) - 1
                    m = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
                    status, headers = 200, {"Content-Type": "application/x-netcdf"}
                    if m:
                        lo = int(m.group(1))
                        hi = min(hi, int(m.group(2))) if m.group(2) else hi
                        status = 206
                        headers["Content-Range"] = f"bytes {lo}-{hi}/{len(fake.asset)}"
                    cut = fake.cut if fake.downloads == 1 else None
                    return self.reply(status, fake.asset[lo:hi + 1], headers, cut)
                if self.headers.get("PRIVATE-TOKEN") != fake.key:
                    return self.reply(401, {"title": "Authentication failed"})
                m = re.match(r"/api/retrieve/v1/jobs/([^/]+)(/results)?$", self.path)
                if not m:
                    return self.reply(404, {"title": "not found"})
                job = m.group(1)
                if m.group(2):
                    return self.reply(200, {"asset": {"value": {"href": f"/files/{job}.nc", "file:size": len(fake.asset)}}})
                fake.jobs[job] += 1
                n = fake.jobs[job]
                return self.reply(200, {"jobID": job, "status": "accepted" if n == 1 else "running" if n == 2 else "successful"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("PRIVATE-TOKEN") != fake.key:
                    return self.reply(401, {"title": "Authentication failed"})
                m = re.match(r"/api/retrieve/v1/processes/([^/]+)/execution$", self.path)
                if not m:
                    return self.reply(404, {"title": "not found"})
                fake.submitted.append((m.group(1), json.loads(body)))
                job = f"job-{len(fake.submitted)}"
                fake.jobs[job] = 0
                return self.reply(201, {"jobID": job, "status": "accepted"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
