"""A fake Hugging Face Hub on loopback serving a folder as dataset BioDT/BioCube, as the Hub
answers: the tree API (recursive, paged 5 entries at a time through `Link: <…>; rel="next"`,
each page stamped with the commit it lists in `X-Repo-Commit`, LFS entries with SHA-256 for
files over 1 kB), and `resolve/<commit>/<path>` answering 302 to a CDN on another host that
supports Range (the first request of `cut` is cut mid-file; the first listing answers 429).
`main` has moved on since the listing: `resolve/main/…` leads to other bytes, so a client that
does not pin the commit gets a file that fails its checksum."""
import hashlib
import os
import threading
from urllib.parse import parse_qs, unquote, urlparse

from loopback import LoopbackHandler, LoopbackServer


COMMIT = "5f0c1e2d3b4a59687766554433221100ffeeddcc"


class CDN(LoopbackServer):
    """The host the Hub redirects file downloads to."""

    def __init__(self, hub):
        class Handler(LoopbackHandler):
            def do_GET(self):
                u = urlparse(self.path)
                with hub.lock:
                    hub.cdn_log.append((self.path, self.headers.get("Authorization")))
                    n = hub.count[u.path] = hub.count.get(u.path, 0) + 1
                if u.path.startswith("/moved/"):
                    return self.reply_file(b"bytes of a newer commit", "application/octet-stream")
                rel = unquote(u.path[len("/files/"):])
                data = open(os.path.join(hub.folder, rel), "rb").read()
                cut = len(data) // 2 if rel == hub.cut and n == 1 else None
                return self.reply_file(data, "application/octet-stream", cut)

        super().__init__(Handler)


class FakeHub(LoopbackServer):
    def __init__(self, folder, cut=None, token=None):
        self.folder, self.cut, self.token = str(folder), cut, token
        self.log, self.auth, self.cdn_log = [], [], []
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
                    headers = {"Content-Type": "application/json", "X-Repo-Commit": COMMIT}
                    if start + 5 < len(fake.entries):
                        headers["Link"] = f'<{fake.url}/api/datasets/BioDT/BioCube/tree/main?recursive=true&cursor={start + 5}>; rel="next"'
                    return self.reply(200, page, headers)
                pinned = f"/datasets/BioDT/BioCube/resolve/{COMMIT}/"
                if u.path.startswith(pinned):
                    return self.reply(302, b"", {"Location": f"{fake.cdn.url}/files/{u.path[len(pinned):]}",
                                                 "X-Repo-Commit": COMMIT})
                if u.path.startswith("/datasets/BioDT/BioCube/resolve/main/"):
                    return self.reply(302, b"", {"Location": f"{fake.cdn.url}/moved/{u.path.rsplit('/', 1)[1]}"})
                return self.reply(404, {"error": "Entry not found"})

        super().__init__(Handler)
        self.cdn = CDN(self)

    def __enter__(self):
        self.cdn.__enter__()
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.cdn.__exit__(*exc)
