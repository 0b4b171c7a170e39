"""A fake Copernicus CDS retrieve API on loopback that answers as the service does (shapes from
its server, cads-processing-api-service, and its reference client's test data,
ecmwf-datastores-client `tests/test_20_processing.py`): submit → `accepted` → `running` → the
final status; `failed` and `rejected` jobs' results answer 400 with `title` and `traceback`;
refusals are 403 `permission denied` with the server's title and detail; unknown jobs 404;
result assets on a separate storage host honouring Range. Used to test `biocube download era5`
end to end without the internet."""
import json
import re
import threading
import time

from loopback import LoopbackHandler, LoopbackServer

TRACEBACK = ("Traceback (most recent call last):\n  File \"/opt/cads_adaptors/mars.py\", line 58, in execute_mars\n"
             "    raise MarsRuntimeError\nMarsRuntimeError: MARS returned no data, please check your selection")


class Storage(LoopbackServer):
    """The object store the result assets are served from (another host than the API)."""

    def __init__(self, fake):
        class Handler(LoopbackHandler):
            def do_GET(self):
                with fake.lock:
                    fake.downloads += 1
                    fake.storage_log.append((self.path, dict(self.headers)))
                    n = fake.downloads
                return self.reply_file(fake.asset, "application/netcdf", fake.cut if n == 1 else None)

        super().__init__(Handler)


class FakeCDS(LoopbackServer):
    def __init__(self, asset: bytes, key="test-key", cut_first_download_at=None, final="successful",
                 refusal=None, outage_seconds=0.0, running_polls=1):
        """`final`: the status jobs end with; `refusal`: (status, title, detail) answering every
        submission; `outage_seconds`: after the first poll, the API answers 502 for that long."""
        self.asset, self.key, self.cut, self.final, self.refusal = asset, key, cut_first_download_at, final, refusal
        self.outage, self.outage_started, self.running_polls = outage_seconds, None, running_polls
        self.jobs, self.submitted, self.downloads, self.polls, self.storage_log = {}, [], 0, 0, []
        self.lock = threading.Lock()
        self.hold = False      # keep every job `running` while set
        fake = self
        self.storage = Storage(self)

        class Handler(LoopbackHandler):
            def api(self):
                return f"http://{self.headers.get('Host')}/api/retrieve/v1"

            def job(self, job, status):
                return {"processID": "reanalysis-era5-single-levels-monthly-means", "type": "process", "jobID": job,
                        "status": status, "created": "2022-09-02T17:30:48.201213",
                        "updated": "2022-09-02T17:32:54.308116",
                        "links": [{"href": f"{self.api()}/jobs/{job}", "rel": "monitor", "type": "application/json"},
                                  {"href": f"{self.api()}/jobs/{job}/results", "rel": "results"}],
                        "metadata": {"log": [["2024-02-09T09:14:47.811223", "This is a log"]]}}

            def do_GET(self):
                if self.headers.get("PRIVATE-TOKEN") != fake.key:
                    return self.reply(401, {"type": "authentication failed", "title": "authentication failed",
                                            "status": 401, "detail": "invalid API token"})
                m = re.match(r"/api/retrieve/v1/jobs/([^/]+)(/results)?$", self.path)
                if not m:
                    return self.reply(404, {"title": "not found", "status": 404})
                job = m.group(1)
                if job not in fake.jobs:
                    return self.reply(404, {"type": "job not found", "title": "job not found", "status": 404})
                if m.group(2):
                    if fake.final == "successful":
                        return self.reply(200, {"asset": {"value": {
                            "type": "application/netcdf", "href": f"{fake.storage.url}/cci2-prod-cache/{job}.nc",
                            "file:checksum": "e7d452a7", "file:size": len(fake.asset),
                            "file:local_path": ["/cache-store/", "e7d452a7.nc"]}}})
                    return self.reply(400, {"type": "job results failed", "title": "job failed", "status": 400,
                                            "instance": f"{self.api()}/jobs/{job}/results", "trace_id": "ca3e7170",
                                            "traceback": TRACEBACK})
                with fake.lock:
                    fake.polls += 1
                    if fake.polls == 2 and fake.outage:
                        fake.outage_started = time.monotonic()
                    down = fake.outage_started is not None and time.monotonic() - fake.outage_started < fake.outage
                    fake.jobs[job] += 0 if down else 1
                    n = fake.jobs[job]
                if down:
                    return self.reply(502, b"<html><head><title>502 Bad Gateway</title></head></html>",
                                      {"Content-Type": "text/html"})
                status = "accepted" if n == 1 else "running" if n <= 1 + fake.running_polls or fake.hold else fake.final
                return self.reply(200, self.job(job, status))

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("PRIVATE-TOKEN") != fake.key:
                    return self.reply(401, {"title": "authentication failed", "status": 401})
                m = re.match(r"/api/retrieve/v1/processes/([^/]+)/execution$", self.path)
                if not m:
                    return self.reply(404, {"title": "not found", "status": 404})
                fake.submitted.append((m.group(1), json.loads(body)))
                if fake.refusal:
                    status, title, detail = fake.refusal
                    return self.reply(status, {"type": "permission denied", "title": title, "status": status,
                                               "detail": detail, "trace_id": "ca3e7170"})
                job = f"9bfc1362-2832-48e1-a235-{len(fake.submitted):012d}"
                fake.jobs[job] = 0
                return self.reply(201, self.job(job, "accepted"))

        super().__init__(Handler, "/api")

    def __enter__(self):
        self.storage.__enter__()
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.storage.__exit__(*exc)
