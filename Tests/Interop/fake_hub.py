"""A fake Hugging Face Hub on loopback serving a folder as dataset BioDT/BioCube: the tree
API (recursive, paged 5 entries at a time through `Link: <…>; rel="next"`, LFS entries with
SHA-256 for files over 1 kB), and `resolve` URLs answering 302 to a file route that
supports Range (the first request of `cut` is cut mid-file; the first listing answers 429)."""
import hashlib
import os
import threading
from urllib.parse import parse_qs, unquote, urlparse

from loopback import LoopbackHandler, LoopbackServer


class FakeHub(LoopbackServer):
    def __init__(self, folder, cut=None, token=None):
        self.folder, self.cut, self.token = str(folder), cut, token
        self.log, self.auth = [], []
        self.lock = threading.Lock()
        self.count = {}
        files = []
        for d, _, names in os.walk(self.folder):
            for n in names:
                full = os.path.join(d, n)
                rel = os.path.relpath(full, self.folder)
                data = open(full, "rb").read()
                entry = {"type": "file", "path": rel, "size": len(data),
                         "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
                if len(data) > 1000:
                    entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
                files.append(entry)
        dirs = sorted({os.path.dirname(f["path"]) for f in files if os.path.dirname(f["path"])})
        self.entries = [{"type": "directory", "path": d, "oid": "0" * 40, "size": 0} for d in dirs] + sorted(
            files, key=lambda e: e["path"])
        fake = self

        class Handler(LoopbackHandler):
            def do_GET(self):
                u = urlparse(self.path)
                with fake.lock:
                    fake.log.append(self.path)
                    fake.auth.append(self.headers.get("Authorization"))
                    n = fake.count[u.path] = fake.count.get(u.path, 0) + 1
                if fake.token and self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self.reply(401, {"error": "Invalid credentials"})
                if u.path == "/api/datasets/BioDT/BioCube/tree/main":
                    if n == 1:
                        return self.reply(429, {"error": "slow down"}, {"Retry-After": "0", "Content-Type": "application/json"})
                    start = int(parse_qs(u.query).get("cursor", ["0"])[0])
                    page = fake.entries[start:start + 5]
                    headers = {"Content-Type": "application/json"}
                    if start + 5 < len(fake.entries):
                        headers["Link"] = f'<{fake.url}/api/datasets/BioDT/BioCube/tree/main?recursive=true&cursor={start + 5}>; rel="next"'
                    return self.reply(200, page, headers)
                prefix = "/datasets/BioDT/BioCube/resolve/main/"
                if u.path.startswith(prefix):
                    return self.reply(302, b"", {"Location": f"{fake.url}/files/{u.path[len(prefix):]}"})
                if u.path.startswith("/files/"):
                    rel = unquote(u.path[len("/files/"):])
                    data = open(os.path.join(fake.folder, rel), "rb").read()
                    cut = len(data) // 2 if rel == fake.cut and n == 1 else None
                    return self.reply_file(data, "application/octet-stream", cut)
                return self.reply(404, {"error": "Entry not found"})

        super().__init__(Handler)
