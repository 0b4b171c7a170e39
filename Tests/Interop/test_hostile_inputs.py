"""Hostile media, arguments and servers, as a careless user or a hostile server would bring
them (issue: reliability of the new surfaces). Every case must end in a clear error or
correct output, quickly, and nothing outside the command's output folder may change: each
test runs inside a folder fenced by sentinel files whose bytes and times are checked after."""
import io
import os
import struct
import subprocess
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from loopback import LoopbackHandler, LoopbackServer
from test_media import ref


@pytest.fixture()
def fenced(tmp_path):
    """A work folder with sentinel files around and inside it; yields the folder, then
    checks that no sentinel changed and nothing appeared beside the work folder."""
    outside = tmp_path / "sentinel-outside.txt"
    outside.write_text("outside")
    work = tmp_path / "work"
    work.mkdir()
    mine = work / "mine.txt"
    mine.write_text("the user's own file")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (outside, mine)}
    yield work
    for p, (data, mtime) in before.items():
        assert p.exists() and p.read_bytes() == data and p.stat().st_mtime_ns == mtime, f"{p} was touched"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["sentinel-outside.txt", "work"], "written outside"


def run(biocube, *args, env=None, timeout=60):
    began = time.monotonic()
    proc = subprocess.run([biocube.path, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    proc.seconds = time.monotonic() - began
    return proc


def progressive_jpeg_with_scans(extra):
    """A small progressive JPEG whose last scan is repeated `extra` times."""
    buf = io.BytesIO()
    Image.fromarray(ref.synthetic_photo(64, 48)).save(buf, "JPEG", quality=80, progressive=True)
    data = buf.getvalue()
    sos = data.rfind(b"\xff\xda")
    eoi = data.rfind(b"\xff\xd9")
    return data[:eoi] + data[sos:eoi] * extra + data[eoi:]


def png_header_only(width, height):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_a_progressive_jpeg_of_endless_scans_is_refused_quickly(biocube, fenced):
    (fenced / "scans.jpg").write_bytes(progressive_jpeg_with_scans(600))
    proc = run(biocube, "preprocess", "image", fenced / "scans.jpg", "--out", fenced / "t")
    assert proc.returncode == 1 and "progressive scans" in proc.stderr and "scans.jpg" in proc.stderr
    assert proc.seconds < 20


def test_a_huge_png_is_refused_before_it_is_decoded(biocube, fenced):
    (fenced / "zeros.png").write_bytes(png_header_only(17000, 17000))
    proc = run(biocube, "preprocess", "image", fenced / "zeros.png", "--out", fenced / "t")
    assert proc.returncode == 1 and "megapixel" in proc.stderr


def test_two_inputs_with_one_output_name_are_refused(biocube, fenced):
    for d in ("a", "b"):
        (fenced / d).mkdir()
        Image.fromarray(ref.synthetic_photo(32, 32)).save(fenced / d / "photo.png")
    proc = run(biocube, "preprocess", "image", fenced / "a" / "photo.png", fenced / "b" / "photo.png",
               "--out", fenced / "t")
    assert proc.returncode != 0 and "photo.npy" in proc.stderr
    assert not (fenced / "t").exists()


def test_text_rows_are_lines_and_encodings_are_decoded_or_refused(biocube, fenced):
    (fenced / "t.txt").write_text("The common blackbird\n\nΟΔΟΣ a road\n", encoding="utf-16")
    run(biocube, "preprocess", "text", fenced / "t.txt", "--out", fenced / "e", "--dimension", "64")
    e = np.load(fenced / "e" / "embeddings.npy")
    assert e.shape == (3, 64) and not e[1].any(), "row 2 is the empty line"
    (fenced / "bad.txt").write_bytes(b"fine\ncaf\xe9 au lait\n")
    proc = run(biocube, "preprocess", "text", fenced / "bad.txt", "--out", fenced / "f")
    assert proc.returncode == 1 and "line 2 is not valid UTF-8" in proc.stderr


@pytest.mark.parametrize("args,expected", [
    (["preprocess", "text", "t.txt", "--out", "o", "--ngrams", "9223372036854775807"], "n-gram length"),
    (["preprocess", "text", "t.txt", "--out", "o", "--dimension", "0"], "embedding length 0"),
    (["preprocess", "image", "p.png", "--out", "o", "--std", "1e-45,0.2,0.2"], "standard deviation"),
    (["preprocess", "dna", "--sequence", "ACGT", "--out", "o", "--length", "1000000"], "--length"),
    (["download", "inaturalist", "--species", "X y", "--interval", "inf", "--api-url", "http://127.0.0.1:9"],
     "--interval"),
    (["download", "era5", "--dataset", "monthly-single", "--variables", "t2m", "--years", "2000", "--out", "o",
      "--job-timeout-hours", "1e300"], "--job-timeout-hours"),
])
def test_numbers_that_would_size_an_allocation_or_a_wait_are_checked(biocube, fenced, args, expected):
    (fenced / "t.txt").write_text("a\n")
    Image.fromarray(ref.synthetic_photo(8, 8)).save(fenced / "p.png")
    proc = subprocess.run([biocube.path, *args], capture_output=True, text=True, timeout=60, cwd=fenced,
                          env={**os.environ, "CDSAPI_KEY": "k", "CDSAPI_URL": "http://127.0.0.1:9/api"})
    assert proc.returncode != 0 and expected in proc.stderr, proc.stderr
    assert not (fenced / "o").exists()


def test_fasta_text_before_the_first_header_is_an_error(biocube, fenced):
    (fenced / "s.fasta").write_text("ACGTACGT\n>one\nACGT\n")
    proc = run(biocube, "preprocess", "dna", fenced / "s.fasta", "--out", fenced / "o")
    assert proc.returncode == 1 and "before the first '>'" in proc.stderr


class Hostile(LoopbackServer):
    """Answers each path with what `routes` says: (status, headers, body)."""

    def __init__(self, routes):
        self.routes, self.log = routes, []
        fake = self

        class Handler(LoopbackHandler):
            def do_GET(self):
                fake.log.append((self.path, dict(self.headers)))
                path = self.path.split("?")[0]
                for prefix, answer in fake.routes.items():
                    if path.startswith(prefix):
                        status, headers, body = answer(fake) if callable(answer) else answer
                        return self.reply(status, body, headers)
                return self.reply(404, {"error": "no"})

        super().__init__(Handler)


def test_a_hub_listing_cannot_wipe_or_escape_the_output_folder(biocube, fenced):
    listings = [
        b'[{"type":"file","oid":"0","size":1,"path":""}]',
        b'[{"type":"file","oid":"0","size":1,"path":"../sentinel-outside.txt"}]',
        b'[{"type":"file","oid":"0","size":1,"path":"mine.txt\\u0000.evil"}]',
        b'[{"type":"file","oid":"0","size":1,"path":"mine.txt"},{"type":"file","oid":"1","size":1,"path":"mine.txt/x"}]',
    ]
    for listing in listings:
        with Hostile({"/api/datasets/": (200, {"Content-Type": "application/json"}, listing)}) as hub:
            proc = run(biocube, "download", "biocube", "--out", fenced, "--endpoint", hub.url)
            assert proc.returncode == 1, proc.stderr
            assert "not a safe relative path" in proc.stderr or "the listing" in proc.stderr, proc.stderr


def test_a_listing_link_elsewhere_gets_no_token_and_a_link_to_itself_ends(biocube, fenced):
    with Hostile({}) as other:
        other.routes["/"] = (200, {"Content-Type": "application/json"}, b"[]")
        with Hostile({}) as hub:
            page = f'<{other.url}/api/datasets/BioDT/BioCube/tree/main?cursor=2>; rel="next"'
            hub.routes["/api/datasets/"] = (200, {"Content-Type": "application/json", "Link": page}, b"[]")
            run(biocube, "download", "biocube", "--out", fenced / "d", "--endpoint", hub.url, "--list",
                env={"HF_TOKEN": "hf_secret_value_123"})
            assert hub.log and all(h.get("Authorization") == "Bearer hf_secret_value_123" for _, h in hub.log)
            assert other.log and all("Authorization" not in h for _, h in other.log), "the token stayed home"
        with Hostile({}) as loop:
            loop.routes["/api/datasets/"] = lambda s: (
                200, {"Content-Type": "application/json",
                      "Link": f'<{s.url}/api/datasets/BioDT/BioCube/tree/main?recursive=true>; rel="next"'}, b"[]")
            proc = run(biocube, "download", "biocube", "--out", fenced / "e", "--endpoint", loop.url, "--list")
            assert proc.returncode == 1 and "repeats" in proc.stderr and len(loop.log) <= 3


def test_an_ndvi_manifest_cannot_write_outside_or_get_the_account(biocube, fenced):
    with Hostile({}) as other:
        with Hostile({}) as land:
            land.routes["/manifest.txt"] = (200, {"Content-Type": "text/plain"},
                                            f"{land.url}/p/..%2F..%2Fc_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc\n".encode())
            proc = run(biocube, "download", "ndvi", "--from", "2020-07", "--to", "2020-07", "--out", fenced / "n",
                       "--manifest", land.url + "/manifest.txt", env={"CLMS_USER": "u", "CLMS_PASSWORD": "pw-secret-9"})
            assert proc.returncode == 1 and "not a safe relative path" in proc.stderr
            other.routes["/p/"] = (200, {"Content-Type": "application/x-netcdf"}, b"CDF\x01" + b"\x00" * 60)
            land.routes["/manifest.txt"] = (200, {"Content-Type": "text/plain"},
                                            f"{other.url}/p/c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc\n".encode())
            run(biocube, "download", "ndvi", "--from", "2020-07", "--to", "2020-07", "--out", fenced / "n",
                "--manifest", land.url + "/manifest.txt", env={"CLMS_USER": "u", "CLMS_PASSWORD": "pw-secret-9"})
            assert other.log and all("Authorization" not in h for _, h in other.log), "no account for another host"
            assert "pw-secret-9" not in proc.stdout + proc.stderr


def test_a_xeno_canto_id_cannot_name_a_path_and_an_echoed_key_is_masked(biocube, fenced):
    with Hostile({}) as xc:
        rec = {"id": "../../sentinel-outside", "gen": "Turdus", "sp": "merula", "q": "A", "rec": "r", "lic": "",
               "file": "PLACEHOLDER", "file-name": "x.wav"}
        import json
        body = json.dumps({"numRecordings": "1", "numPages": 1, "page": 1, "recordings": [rec]})
        xc.routes["/recordings"] = lambda s: (200, {"Content-Type": "application/json"},
                                              body.replace("PLACEHOLDER", s.url + "/f").encode())
        xc.routes["/f"] = (200, {"Content-Type": "audio/wav"}, b"RIFF")
        proc = run(biocube, "download", "xeno-canto", "--species", "Turdus merula", "--out", fenced / "Life",
                   "--api-url", xc.url, "--interval", "0", env={"XENO_CANTO_API_KEY": "xc-secret-777"})
        assert "not a number" in proc.stdout
        xc.routes["/recordings"] = (401, {"Content-Type": "text/plain"}, b"bad key xc-secret-777")
        proc = run(biocube, "download", "xeno-canto", "--species", "Turdus merula", "--out", fenced / "Life",
                   "--api-url", xc.url, "--interval", "0", env={"XENO_CANTO_API_KEY": "xc-secret-777"})
        assert proc.returncode == 1 and "xc-secret-777" not in proc.stdout + proc.stderr


def test_inaturalist_repeating_one_page_ends(biocube, fenced):
    import json
    obs = {"id": 5, "taxon": {"id": 1, "name": "X y", "ancestors": [{"rank": "genus", "name": "X"}]},
           "photos": [], "user": {"login": "u"}}
    with Hostile({}) as inat:
        inat.routes["/observations"] = (200, {"Content-Type": "application/json"},
                                        json.dumps({"total_results": 1, "results": [obs]}).encode())
        proc = run(biocube, "download", "inaturalist", "--species", "X y", "--out", fenced / "Life",
                   "--api-url", inat.url, "--interval", "0", timeout=60)
        assert proc.returncode == 0 and len([p for p, _ in inat.log if p.startswith("/observations")]) == 2


def test_xeno_canto_claiming_endless_empty_pages_ends(biocube, fenced):
    import json
    with Hostile({}) as xc:
        xc.routes["/recordings"] = (200, {"Content-Type": "application/json"},
                                    json.dumps({"numRecordings": "0", "numPages": 1000000000, "page": 1,
                                                "recordings": []}).encode())
        proc = run(biocube, "download", "xeno-canto", "--species", "Turdus merula", "--out", fenced / "Life",
                   "--api-url", xc.url, "--interval", "0", env={"XENO_CANTO_API_KEY": "k-1234"})
        assert proc.returncode == 0 and len(xc.log) == 1


def test_urls_with_user_info_are_never_printed(biocube, fenced):
    # The CDS client would retry the dead address for hours: read what it prints, then stop it.
    proc = subprocess.Popen(["stdbuf", "-oL", biocube.path, "download", "era5", "--dataset", "monthly-single", "--variables", "t2m",
                             "--years", "2000", "--out", str(fenced / "o")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "CDSAPI_URL": "http://someone:pa55word-xyz@127.0.0.1:9/api",
                                 "CDSAPI_KEY": "k"})
    time.sleep(4)
    proc.terminate()      # SIGTERM: BioCube's handler exits, flushing what it printed
    out, err = proc.communicate(timeout=30)
    assert "127.0.0.1:9" in out + err, out + err
    assert "pa55word-xyz" not in out + err
    proc = run(biocube, "download", "inaturalist", "--species", "X y", "--out", fenced / "L",
               "--api-url", "ftp://someone:pa55word-xyz@host/")
    assert proc.returncode != 0 and "pa55word-xyz" not in proc.stdout + proc.stderr


def test_an_ndvi_product_declaring_billions_of_latitudes_is_refused_without_allocating(biocube, fenced):
    import netCDF4
    p = fenced / "c_gls_NDVI300_202007110000_GLOBE_OLCI_V2.0.1.nc"
    with netCDF4.Dataset(p, "w", format="NETCDF4") as ds:
        ds.createDimension("lat", 2_000_000_000)
        ds.createDimension("lon", 4)
        ds.createVariable("lat", "f8", ("lat",))
        ds.createVariable("lon", "f8", ("lon",))
        v = ds.createVariable("NDVI", "u1", ("lat", "lon"))
        v.scale_factor = 0.004
        v.add_offset = -0.08
    assert p.stat().st_size < 100_000
    proc = subprocess.run([biocube.path, "ingest", "ndvi", str(p), "--out", str(fenced / "t.csv")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "more than any NDVI product has" in proc.stderr, proc.stderr
