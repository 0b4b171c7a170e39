"""A fake Copernicus CDS retrieve API on loopback (OGC API Processes flavour the real
service speaks): submit → accepted → running → successful → results asset with Range.
Used to test `biocube download era5` end to end without the internet."""
import json
import re

from loopback import LoopbackHandler, LoopbackServer


class FakeCDS(LoopbackServer):
    def __init__(self, asset: bytes, key="test-key", cut_first_download_at=None):
        self.asset, self.key, self.cut = asset, key, cut_first_download_at
        self.jobs, self.submitted, self.downloads = {}, [], 0
        fake = self

        class Handler(LoopbackHandler):
            def do_GET(self):
                if self.path.startswith("/files/"):
                    fake.downloads += 1
                    return self.reply_file(fake.asset, "application/x-netcdf", fake.cut if fake.downloads == 1 else None)
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

        super().__init__(Handler, "/api")
