"""`biocube download inaturalist | xeno-canto | bold | descriptions` end to end against
loopback fakes that answer as the real services do (fake_media.py): paging, 429 with
Retry-After, a photo cut mid-file, gzip bodies, ranks from the observation's taxon, closed
licences skipped, attribution kept, the BOLD portal flow, Wikipedia's relative redirects and
its user-agent policy, a rerun that downloads nothing — and what lands on disk read back by
pandas, Pillow, pyarrow and `biocube preprocess` / `species-dataset`."""
import io
import json
import os
import subprocess

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from PIL import Image

from fake_media import FakeMedia
from test_media import ref

BOLD_ROWS = [
    "BOLD-1\tS1\t1\tMK001\tBOLD:AAA1\tAnimalia\tChordata\tAves\tPasseriformes\tTurdidae\tNone\tTurdus\tTurdus merula\t"
    "Turdus merula\tNaturalis Biodiversity Center\tJ. Doe\t2017-05-02\tGermany\tDE\t[50.1, 8.6]\tCOI-5P\tACGTACGGTACCA\t13",
    "BOLD-2\tS2\t2\t\tBOLD:AAA2\tAnimalia\tChordata\tAves\tPasseriformes\tMuscicapidae\tNone\tErithacus\t"
    "Erithacus rubecula\tErithacus rubecula\tZFMK\t\t\tFrance\tFR\t\tCOI-5P\tTTGACCAGGTACG\t13",
]
CONTACT = "ci@example.org"


@pytest.fixture()
def service():
    buf = io.BytesIO()
    Image.fromarray(ref.synthetic_photo(300, 200)).save(buf, "JPEG", quality=85)
    t = np.arange(8000) / 16000
    sound = ref.wav_bytes(0.3 * np.sin(2 * np.pi * 600 * t)[:, None], 16000, 1, 16)
    observations = {11: [(101, "cc-by")], 12: [(102, "cc-by-nc"), (103, "cc0"), (106, None)], 15: [(104, "cc-by-sa")]}
    with FakeMedia(buf.getvalue(), sound, observations, cut_photo=103, bold_rows=BOLD_ROWS, contact=CONTACT) as s:
        yield s


def assert_identified(service):
    assert service.agents, "no request reached the fake"
    for agent in service.agents:
        assert agent.startswith("biocube/") and f"; {CONTACT})" in agent, agent


def test_inaturalist_end_to_end_resumes_and_reruns_without_downloads(biocube, service, tmp_path):
    life = tmp_path / "Life"
    out = biocube("download", "inaturalist", "--species", "Turdus merula", "--out", life, "--contact", CONTACT,
                  "--api-url", service.url + "/inat", "--interval", "0.05").stdout
    assert "4 added" in out and "1 failed" in out, out
    assert_identified(service)
    assert service.gzipped > 0, "the fake gzipped JSON for a client that accepts it"
    table = pd.read_csv(life / "Turdus merula" / "images.csv", keep_default_na=False)
    assert list(table["id"]) == ["inat-11-101", "inat-12-102", "inat-12-103", "inat-15-104"]
    # Ranks from the observation's taxon (taxa/{id}), not from its oldest, family-level identification.
    assert set(table["order"]) == {"Passeriformes"} and set(table["genus"]) == {"Turdus"}
    assert set(table["family"]) == {"Turdidae"}
    assert list(table["licence"]) == ["cc-by", "cc-by-nc", "cc0", "cc-by-sa"]
    assert set(table["rights_holder"]) == {"Max Muster"}
    assert table["attribution"][0] == "(c) Max Muster, some rights reserved (CC-BY)"
    assert not any("/photos/106/" in p for p in service.log), "the all-rights-reserved photo is not fetched"
    assert list(table["latitude"]) == [48.1] * 4
    for f in table["file"]:
        data = (life / "Turdus merula" / f).read_bytes()
        assert data == service.photo
        Image.open(io.BytesIO(data)).verify()
    assert sum(p.startswith("/photos/103/") for p in service.log) == 2, "the cut photo was resumed"
    budget = json.loads((life / ".inaturalist-requests.json").read_text())
    assert budget["requests"] >= 7
    before = sum(p.startswith("/photos/") for p in service.log)
    again = biocube("download", "inaturalist", "--species", "Turdus merula", "--out", life,
                    "--api-url", service.url + "/inat", "--interval", "0").stdout
    assert "0 added, 4 already there" in again
    assert sum(p.startswith("/photos/") for p in service.log) == before
    closed = biocube("download", "inaturalist", "--species", "Turdus merula", "--out", life, "--interval", "0",
                     "--api-url", service.url + "/inat", "--licences", "cc,all-rights-reserved").stdout
    assert "1 added" in closed
    biocube("preprocess", "image", *sorted((life / "Turdus merula" / "images").glob("*.jpg")), "--out", tmp_path / "t")
    assert np.load(tmp_path / "t" / "11_101.npy").shape == (3, 64, 64)
    spent = biocube("download", "inaturalist", "--species", "Turdus merula", "--out", life, "--interval", "0",
                    "--api-url", service.url + "/inat", "--daily-requests", "3", check=False)
    assert spent.returncode == 1 and "budget of 3 requests" in spent.stderr


def test_xeno_canto_needs_its_key_and_keeps_qualities_a_to_c(biocube, service, tmp_path):
    life = tmp_path / "Life"
    env = {k: v for k, v in os.environ.items() if k not in ("XENO_CANTO_API_KEY", "BIOCUBE_CONTACT")}
    proc = subprocess.run([biocube.path, "download", "xeno-canto", "--species", "Turdus merula", "--out", life,
                           "--api-url", service.url + "/xc"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and "XENO_CANTO_API_KEY" in proc.stderr
    proc = subprocess.run([biocube.path, "download", "xeno-canto", "--species", "Turdus merula", "--out", life,
                           "--api-url", service.url + "/xc", "--interval", "0"], capture_output=True, text=True,
                          env={**env, "XENO_CANTO_API_KEY": "wrong-key"})
    assert proc.returncode == 1 and "access denied" in proc.stderr and "wrong-key" not in proc.stderr
    service.agents.clear()
    proc = subprocess.run([biocube.path, "download", "xeno-canto", "--species", "Turdus merula", "--out", life,
                           "--api-url", service.url + "/xc", "--interval", "0"], capture_output=True, text=True,
                          env={**env, "XENO_CANTO_API_KEY": "xc-key", "BIOCUBE_CONTACT": CONTACT})
    assert proc.returncode == 0, proc.stderr
    assert_identified(service)
    table = pd.read_csv(life / "Turdus merula" / "sounds.csv", keep_default_na=False)
    assert list(table["id"]) == ["XC700", "XC701", "XC702"] and list(table["value"]) == ["A", "B", "C"]
    assert set(table["rights_holder"]) == {"Stanislas Wroza"}, "the recordist, whom every licence there credits"
    assert table["attribution"][0] == ("XC700 by Stanislas Wroza, https://xeno-canto.org/700, "
                                       "https://creativecommons.org/licenses/by-nc-sa/4.0/")
    assert table["timestamp"][0] == "2021-04-01T06:30:00"
    biocube("preprocess", "audio", life / "Turdus merula" / "sounds" / "XC700.wav", "--out", tmp_path / "f")
    assert np.load(tmp_path / "f" / "XC700.logmel.npy").shape == (64, 51)


def test_bold_portal_flow_and_the_retired_v4_api(biocube, service, tmp_path):
    life = tmp_path / "Life"
    out = biocube("download", "bold", "--species", "Turdus", "--out", life, "--api-url", service.url + "/bold",
                  "--interval", "0", "--contact", CONTACT).stdout
    assert "Turdus merula: 1 added" in out and "Erithacus rubecula: 1 added" in out
    assert "/bold/query?query=tax:Turdus&extent=full" in service.log, service.log
    edna = pd.read_csv(life / "Erithacus rubecula" / "edna.csv", keep_default_na=False)
    assert edna["value"][0] == "TTGACCAGGTACG" and edna["family"][0] == "Muscicapidae" and edna["latitude"][0] == ""
    merula = pd.read_csv(life / "Turdus merula" / "edna.csv", keep_default_na=False)
    assert merula["id"][0] == "BOLD-1/COI-5P" and merula["latitude"][0] == 50.1 and merula["longitude"][0] == 8.6
    assert merula["url"][0] == "https://portal.boldsystems.org/record/BOLD-1"
    assert merula["rights_holder"][0] == "Naturalis Biodiversity Center"
    offline = biocube("download", "bold", "--species", "Turdus", "--out", tmp_path / "L2", "--interval", "0",
                      "--api-url", service.url + "/bold/index.php/API_Public", check=False)
    assert offline.returncode == 1 and "BOLD Public Offline" in offline.stderr
    assert not (tmp_path / "L2").exists() or not any((tmp_path / "L2").iterdir())
    v4 = tmp_path / "archived.tsv"
    v4.write_text("processid\tmarkercode\tspecies_name\tgenus_name\tlat\tlon\tcountry\tnucleotides\n"
                  "OLD-1\tCOI-5P\tTurdus merula\tTurdus\t50\t8\tGermany\tACGT\n")
    imported = biocube("download", "bold", "--tsv", v4, "--out", life).stdout
    assert "Turdus merula: 1 added" in imported


def test_descriptions_follow_redirects_and_a_refusal_does_not_stop_the_run(biocube, service, tmp_path):
    life = tmp_path / "Life"
    run = biocube("download", "descriptions", "--species", "Turdus merula", "--species", "Blocked bird",
                  "--species", "Nonexistent bird", "--out", life, "--api-url", service.url + "/wiki",
                  "--interval", "0", "--contact", CONTACT, check=False)
    assert run.returncode == 1, "a refused species makes the run fail at the end"
    assert "User-Agent_policy" in run.stdout and "no Wikipedia article" in run.stdout
    text = pd.read_csv(life / "Turdus merula" / "descriptions.csv", keep_default_na=False)
    assert text["value"][0] == 'The common blackbird is a true thrush, "loud", of Europe.'
    assert text["url"][0] == "https://en.wikipedia.org/wiki/Common_blackbird"
    assert text["rights_holder"][0] == "Wikipedia contributors" and "CC BY-SA 4.0" in text["attribution"][0]
    assert "/wiki/page/summary/Common_blackbird" in service.log, "the bare relative Location was followed"
    assert_identified(service)
    # Without a contact, Wikimedia's policy refuses the agent: the reason is printed, nothing lands.
    env = {k: v for k, v in os.environ.items() if k != "BIOCUBE_CONTACT"}
    anonymous = subprocess.run([biocube.path, "download", "descriptions", "--species", "Turdus merula", "--out",
                                tmp_path / "L3", "--api-url", service.url + "/wiki", "--interval", "0"],
                               capture_output=True, text=True, env=env)
    assert anonymous.returncode == 1 and "w.wiki/4wJS" in anonymous.stdout
    assert "BIOCUBE_CONTACT" in anonymous.stderr, "the note says how to identify"


def test_species_dataset_keeps_every_records_credit(biocube, service, tmp_path):
    life = tmp_path / "Life"
    biocube("download", "inaturalist", "--species", "Turdus merula", "--out", life, "--interval", "0",
            "--api-url", service.url + "/inat", "--contact", CONTACT)
    biocube("download", "descriptions", "--species", "Turdus merula", "--out", life, "--interval", "0",
            "--api-url", service.url + "/wiki", "--contact", CONTACT)
    out = biocube("species-dataset", life, "--out", tmp_path / "ds" / "media.parquet").stdout
    assert "ATTRIBUTION.csv" in out
    table = pq.read_table(tmp_path / "ds" / "media.parquet").to_pandas()
    assert {"rights_holder", "attribution", "url", "licence"} <= set(table.columns)
    photos = table[table["modality"] == "image"]
    assert set(photos["rights_holder"]) == {"Max Muster"} and set(photos["licence"]) == {"cc-by", "cc-by-nc", "cc0", "cc-by-sa"}
    credits = pd.read_csv(tmp_path / "ds" / "ATTRIBUTION.csv", keep_default_na=False)
    assert list(credits.columns) == ["source", "record_id", "species", "modality", "licence", "rights_holder",
                                     "attribution", "url"]
    kept = set(zip(table["source"], table["record_id"]))
    assert set(zip(credits["source"], credits["record_id"])) == kept and len(credits) == len(kept)
    wiki = credits[credits["source"] == "wikipedia"].iloc[0]
    assert wiki["licence"] == "CC BY-SA 4.0" and wiki["url"] == "https://en.wikipedia.org/wiki/Common_blackbird"
