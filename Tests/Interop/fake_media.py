"""Fake species media services on loopback that answer as the real services do (shapes from
each API's documentation and its reference clients' test data):

- iNaturalist API v1: observations paged by `id_above`; an observation's `taxon` carries
  `ancestor_ids` but no `ancestors` (ranks come from `taxa/{id}`); `identifications` oldest
  first, the oldest a coarser family-level ID; photos with `license_code` (null = all rights
  reserved) and `attribution`, served from a separate open-data host; JSON gzipped for clients
  that accept it.
- xeno-canto API v3: `recordings?query=…&key=…`, the recordist in `rec`.
- BOLD portal API (v5): `query?query=tax:…&extent=full` → `query_id`, then
  `documents/{id}/download?format=tsv` in BCDM columns; the retired v4 `API_Public/combined`
  answers its "BOLD Public Offline" HTML page.
- Wikipedia REST: a scientific name answers 302 with a bare relative `Location`
  (`Turdus_merula` → `Common_blackbird`); agents that do not identify themselves with a
  contact get Wikimedia's 403 user-agent policy text.

Every request's User-Agent is recorded in `agents`."""
import gzip
import json
import threading
from urllib.parse import parse_qs, urlparse

from loopback import LoopbackHandler, LoopbackServer

BCDM_HEADER = ("processid\tsampleid\trecord_id\tinsdc_acs\tbin_uri\tkingdom\tphylum\tclass\torder\tfamily\t"
               "subfamily\tgenus\tspecies\tidentification\tinst\tcollectors\tcollection_date_start\t"
               "country/ocean\tcountry_iso\tcoord\tmarker_code\tnuc\tnuc_basecount")
OFFLINE = b"<!DOCTYPE html><html><head><title>BOLD Public Offline</title></head><body>BOLD v4 is offline</body></html>"
UA_POLICY = "Please set a user-agent and respect our robot policy https://w.wiki/4wJS. See also T400119."


class FakeMedia(LoopbackServer):
    """`observations`: {id: [(photo id, licence code or None)]}; every photo answers `photo`
    (bytes), the first request of photo `cut_photo` is cut after 500 bytes, the first request
    of page 2 answers 429 with Retry-After 0. xeno-canto needs `key`. `bold_rows` are BCDM rows
    (tab-separated). Wikipedia wants a User-Agent naming `contact`."""

    def __init__(self, photo, sound, observations, key="xc-key", cut_photo=None, bold_rows=(), contact="ci@example.org"):
        self.photo, self.sound, self.observations, self.key = photo, sound, observations, key
        self.cut_photo, self.bold_rows, self.contact = cut_photo, list(bold_rows), contact
        self.log, self.agents, self.gzipped = [], [], 0
        self.lock = threading.Lock()
        self.seen = {}
        fake = self

        class Handler(LoopbackHandler):
            def json(self, status, doc, headers=None):
                body = json.dumps(doc).encode()
                h = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
                if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body = gzip.compress(body)
                    h["Content-Encoding"] = "gzip"
                    with fake.lock:
                        fake.gzipped += 1
                return self.reply(status, body, h)

            def do_GET(self):
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                with fake.lock:
                    fake.log.append(self.path)
                    fake.agents.append(self.headers.get("User-Agent", ""))
                    n = fake.seen[u.path] = fake.seen.get(u.path, 0) + 1
                base = fake.url
                if u.path == "/inat/observations":
                    above = int(q.get("id_above", "0"))
                    ids = sorted(i for i in fake.observations if i > above)[: int(q.get("per_page", "200"))]
                    if above > 0 and n <= 2 and not fake.seen.get("429-sent"):
                        fake.seen["429-sent"] = 1
                        return self.json(429, {"error": "Too Many Requests", "status": 429}, {"Retry-After": "0"})
                    results = [{
                        "id": i, "quality_grade": "research", "observed_on": "2020-06-01",
                        "time_observed_at": f"2020-06-01T0{i % 10}:00:00+00:00", "location": "48.1,11.5",
                        "geojson": {"type": "Point", "coordinates": [11.5, 48.1]},
                        "user": {"id": 5, "login": "mmuster", "name": "Max Muster"},
                        "taxon": {"id": 12716, "name": q["taxon_name"], "rank": "species", "rank_level": 10,
                                  "ancestor_ids": [48460, 1, 2, 355675, 3, 7251, 15977, 12705, 12716],
                                  "preferred_common_name": "Eurasian Blackbird"},
                        "identifications": [
                            {"id": 1, "current": True, "taxon": {"id": 15977, "rank": "family", "name": "Turdidae",
                                                                 "ancestors": [{"rank": "kingdom", "name": "Animalia"},
                                                                               {"rank": "class", "name": "Aves"}]}},
                            {"id": 2, "current": True, "taxon": {"id": 12716, "rank": "species",
                                                                 "name": q["taxon_name"]}}],
                        "photos": [{"id": p, "license_code": lic,
                                    "attribution": f"(c) Max Muster, {'some' if lic else 'all'} rights reserved"
                                                   + (f" ({lic.upper()})" if lic else ""),
                                    "url": f"{base}/photos/{p}/square.jpeg"}
                                   for p, lic in fake.observations[i]],
                    } for i in ids[:2]]
                    return self.json(200, {"total_results": len(fake.observations), "page": 1, "per_page": 2,
                                           "results": results})
                if u.path.startswith("/inat/taxa/"):
                    return self.json(200, {"total_results": 1, "results": [{"id": 12716, "rank": "species", "ancestors": [
                        {"rank": "stateofmatter", "name": "Life"},
                        {"rank": "kingdom", "name": "Animalia"}, {"rank": "phylum", "name": "Chordata"},
                        {"rank": "class", "name": "Aves"}, {"rank": "order", "name": "Passeriformes"},
                        {"rank": "family", "name": "Turdidae"}, {"rank": "genus", "name": "Turdus"}]}]})
                if u.path.startswith("/photos/"):
                    pid = int(u.path.split("/")[2])
                    cut = 500 if pid == fake.cut_photo and n == 1 else None
                    return self.reply_file(fake.photo, "image/jpeg", cut)
                if u.path == "/xc/recordings":
                    if q.get("key") != fake.key:
                        return self.json(401, {"error": "missing or invalid key", "message": "invalid key"})
                    recs = [{"id": str(700 + k), "gen": "Turdus", "sp": "merula", "ssp": "", "grp": "birds",
                             "en": "Eurasian Blackbird", "rec": "Stanislas Wroza", "cnt": "Germany", "loc": "Berlin",
                             "lat": "52.5", "lon": "13.4", "alt": "40", "type": "song", "url": f"//xeno-canto.org/{700 + k}",
                             "file": f"{base}/xc/{700 + k}/download", "file-name": f"XC{700 + k}.wav",
                             "lic": "//creativecommons.org/licenses/by-nc-sa/4.0/", "q": "ABCDE"[k], "length": "0:01",
                             "time": "06:30", "date": "2021-04-0" + str(k + 1), "uploaded": "2021-04-10", "also": [""],
                             "smp": "16000"} for k in range(5)]
                    return self.json(200, {"numRecordings": "5", "numSpecies": "1", "page": 1, "numPages": 1,
                                           "recordings": recs})
                if u.path.startswith("/xc/") and u.path.endswith("/download"):
                    return self.reply_file(fake.sound, "audio/wav")
                if u.path == "/bold/query":
                    if not q.get("query", "").startswith(("tax:", "geo:")):
                        return self.json(422, {"detail": "invalid query"})
                    return self.json(200, {"query_id": "dGF4OlR1cmR1cw-1733580000", "extent": q.get("extent")})
                if u.path == "/bold/documents/dGF4OlR1cmR1cw-1733580000/download" and q.get("format") == "tsv":
                    body = "\n".join([BCDM_HEADER, *fake.bold_rows]) + "\n"
                    return self.reply(200, body.encode(), {"Content-Type": "text/tab-separated-values"})
                if u.path.startswith("/bold/index.php/API_Public/"):
                    return self.reply(200, OFFLINE, {"Content-Type": "text/html; charset=UTF-8"})
                if u.path.startswith("/wiki/page/summary/"):
                    agent = self.headers.get("User-Agent", "")
                    if not (agent.startswith("biocube/") and fake.contact in agent):
                        return self.reply(403, UA_POLICY.encode(), {"Content-Type": "text/plain"})
                    title = u.path.rsplit("/", 1)[1]
                    if title == "Turdus_merula":
                        return self.reply(302, b"", {"Location": "Common_blackbird", "Content-Type": "text/plain"})
                    if title == "Blocked_bird":
                        return self.reply(403, b"Forbidden: scripted requests of this pattern are blocked, "
                                               b"see https://meta.wikimedia.org/wiki/User-Agent_policy",
                                          {"Content-Type": "text/plain"})
                    if title != "Common_blackbird":
                        return self.json(404, {"type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found",
                                               "title": "Not found."})
                    return self.json(200, {"type": "standard", "title": "Common blackbird",
                                           "titles": {"canonical": "Common_blackbird", "normalized": "Common blackbird"},
                                           "extract": "The common blackbird is a true thrush, \"loud\", of Europe.",
                                           "content_urls": {"desktop": {"page": "https://en.wikipedia.org/wiki/Common_blackbird"}}})
                return self.json(404, {"error": "no such path"})

        super().__init__(Handler)
