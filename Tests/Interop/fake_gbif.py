"""A fake GBIF occurrence download API on loopback (SQL flavour, as api.gbif.org speaks
it): Basic-authenticated validate and request, HTTP 420 while the account runs too many
downloads (GBIF sends no Retry-After), PREPARING → RUNNING → SUCCEEDED polls whose answer
carries the download's DOI, licence and creation time (the shape of GBIF's download object),
and a download link that redirects (302) to a file server honouring Range. Used to test
`biocube download gbif` end to end without the internet."""
import base64
import io
import json
import re
import zipfile

from loopback import LoopbackHandler, LoopbackServer


class FakeGBIF(LoopbackServer):
    def __init__(self, tables, user="tester", password="secret", cut_first_download_at=None, busy=0):
        """`tables`: species key → TSV text served inside that species' download zip; the first
        request of a file longer than `cut_first_download_at` is cut after that many bytes."""
        self.tables, self.cut = tables, cut_first_download_at
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.requested, self.validated, self.keys, self.polls, self.file_requests = [], 0, {}, {}, 0
        self.busy, self.refused = busy, 0
        fake = self

        class Handler(LoopbackHandler):
            def zip_of(self, key):
                species = re.search(r"speciesKey = (\d+)", fake.keys[key]).group(1)
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                    z.writestr(f"{key}.csv", fake.tables[species])
                return buf.getvalue()

            def do_GET(self):
                m = re.fullmatch(r"/files/(.+)\.zip", self.path)
                if m:
                    data = self.zip_of(m.group(1))
                    if len(data) > (fake.cut or 0):
                        fake.file_requests += 1   # counts requests of files the cut applies to
                    return self.reply_file(data, "application/zip", fake.cut if fake.file_requests == 1 else None)
                m = re.fullmatch(r"/v1/occurrence/download/request/(.+)\.zip", self.path)
                if m:
                    return self.reply(302, headers={"Location": f"/files/{m.group(1)}.zip"})
                m = re.fullmatch(r"/v1/occurrence/download/([^/]+)", self.path)
                if not m or m.group(1) not in fake.keys:
                    return self.reply(404, {"error": "not found"})
                key = m.group(1)
                fake.polls[key] = fake.polls.get(key, 0) + 1
                n = fake.polls[key]
                status = "PREPARING" if n == 1 else "RUNNING" if n == 2 else "SUCCEEDED"
                host = self.headers.get("Host")
                return self.reply(200, {"key": key, "doi": f"10.15468/dl.{key[:7].lower()}",
                                        "license": "http://creativecommons.org/licenses/by-nc/4.0/legalcode",
                                        "request": {"sql": fake.keys[key], "format": "SQL_TSV_ZIP", "creator": user},
                                        "created": "2026-06-04T19:32:00.000+00:00",
                                        "modified": "2026-06-04T19:40:00.000+00:00", "status": status,
                                        "downloadLink": f"http://{host}/v1/occurrence/download/request/{key}.zip",
                                        "size": len(self.zip_of(key)) if status == "SUCCEEDED" else 0,
                                        "totalRecords": 12, "numberDatasets": 3})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.headers.get("Authorization") != fake.auth:
                    return self.reply(401, b"Unauthorized", {"Content-Type": "text/plain"})
                if body.get("format") != "SQL_TSV_ZIP" or not body.get("sql", "").startswith("SELECT"):
                    return self.reply(400, b"format must be SQL_TSV_ZIP with one SELECT", {"Content-Type": "text/plain"})
                if self.path == "/v1/occurrence/download/request/validate":
                    fake.validated += 1
                    return self.reply(200, {"sql": body["sql"]})
                if self.path == "/v1/occurrence/download/request":
                    if fake.refused < fake.busy:
                        fake.refused += 1
                        return self.reply(420, f"User {user} has too many simultaneous downloads; the limit is 3.".encode(),
                                          {"Content-Type": "text/plain"})
                    fake.requested.append(body)
                    key = f"{len(fake.requested):07d}-261126120000000"
                    fake.keys[key] = body["sql"]
                    return self.reply(201, key.encode(), {"Content-Type": "text/plain"})
                return self.reply(404, {"error": "no route"})

        super().__init__(Handler, "/v1")
