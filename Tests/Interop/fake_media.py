"""Fake species media services on loopback, speaking the real JSON/TSV shapes: iNaturalist
API v1 (observations paged by id_above, taxa), xeno-canto API v3 (key, pages, quality),
BOLD's API_Public/combined TSV, and Wikipedia's REST page summaries."""
import json
import threading
from urllib.parse import parse_qs, urlparse

from loopback import LoopbackHandler, LoopbackServer


class FakeMedia(LoopbackServer):
    """`observations`: {id: [photo ids]}; every photo answers `photo` (bytes), the first
    request of photo `cut_photo` is cut after 500 bytes, the first request of page 2 answers
    429 with Retry-After 0. xeno-canto needs `key`."""

    def __init__(self, photo, sound, observations, key="xc-key", cut_photo=None, tsv=""):
        self.photo, self.sound, self.observations, self.key = photo, sound, observations, key
        self.cut_photo, self.tsv = cut_photo, tsv
        self.log = []
        self.lock = threading.Lock()
        self.seen = {}
        fake = self

        class Handler(LoopbackHandler):
            def do_GET(self):
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                with fake.lock:
                    fake.log.append(self.path)
                    n = fake.seen[u.path] = fake.seen.get(u.path, 0) + 1
                base = fake.url
                if u.path == "/inat/observations":
                    above = int(q.get("id_above", "0"))
                    ids = sorted(i for i in fake.observations if i > above)[: int(q.get("per_page", "200"))]
                    if above > 0 and n <= 2 and not fake.seen.get("429-sent"):
                        fake.seen["429-sent"] = 1
                        return self.reply(429, {"error": "Too Many Requests"}, {"Retry-After": "0"})
                    results = [{
                        "id": i, "observed_on": "2020-06-01", "time_observed_at": f"2020-06-01T0{i % 10}:00:00Z",
                        "location": "48.1,11.5",
                        "taxon": {"id": 12716, "name": q["taxon_name"], "preferred_common_name": "Eurasian Blackbird"},
                        "photos": [{"id": p, "url": f"{base}/photos/{p}/square.jpg", "license_code": "cc0"}
                                   for p in fake.observations[i]],
                    } for i in ids[:2]]
                    return self.reply(200, {"total_results": len(fake.observations), "page": 1, "per_page": 2,
                                            "results": results})
                if u.path.startswith("/inat/taxa/"):
                    return self.reply(200, {"results": [{"id": 12716, "ancestors": [
                        {"rank": "kingdom", "name": "Animalia"}, {"rank": "phylum", "name": "Chordata"},
                        {"rank": "class", "name": "Aves"}, {"rank": "order", "name": "Passeriformes"},
                        {"rank": "family", "name": "Turdidae"}, {"rank": "genus", "name": "Turdus"}]}]})
                if u.path.startswith("/photos/"):
                    pid = int(u.path.split("/")[2])
                    cut = 500 if pid == fake.cut_photo and n == 1 else None
                    return self.reply_file(fake.photo, "image/jpeg", cut)
                if u.path == "/xc/recordings":
                    if q.get("key") != fake.key:
                        return self.reply(401, {"error": "missing or invalid key"})
                    recs = [{"id": str(700 + k), "gen": "Turdus", "sp": "merula", "en": "Eurasian Blackbird",
                             "cnt": "Germany", "lat": "52.5", "lon": "13.4", "file": f"{base}/xc/{700 + k}/download",
                             "file-name": f"XC{700 + k}.wav", "lic": "//creativecommons.org/licenses/by/4.0/",
                             "q": "ABCDE"[k], "date": "2021-04-0" + str(k + 1), "time": "06:30", "also": [""]}
                            for k in range(5)]
                    return self.reply(200, {"numRecordings": "5", "numSpecies": "1", "page": 1, "numPages": 1,
                                            "recordings": recs})
                if u.path.startswith("/xc/") and u.path.endswith("/download"):
                    return self.reply_file(fake.sound, "audio/wav")
                if u.path == "/bold/API_Public/combined":
                    return self.reply(200, fake.tsv.encode(), {"Content-Type": "text/plain"})
                if u.path.startswith("/wiki/page/summary/"):
                    title = u.path.rsplit("/", 1)[1]
                    if title != "Turdus_merula":
                        return self.reply(404, {"type": "not_found"})
                    return self.reply(200, {"type": "standard", "title": "Common blackbird",
                                            "extract": "The common blackbird is a true thrush, \"loud\", of Europe.",
                                            "content_urls": {"desktop": {"page": "https://en.wikipedia.org/wiki/Common_blackbird"}}})
                return self.reply(404, {"error": "no such path"})

        super().__init__(Handler)
