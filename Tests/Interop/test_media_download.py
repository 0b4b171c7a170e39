"""`biocube download inaturalist | xeno-canto | bold | descriptions` end to end against the
loopback fakes (fake_media.py): paging, 429 with Retry-After, a photo cut mid-file, a rerun
that downloads nothing, the API key from the environment, and the downloaded files read back
by pandas, Pillow and `biocube preprocess`."""
import io
import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fake_media import FakeMedia
from test_media import ref

TSV = ("processid\tmarkercode\tspecies_name\tphylum_name\tclass_name\torder_name\tfamily_name\tgenus_name\t"
       "lat\tlon\tcountry\tcollectiondate_start\tnucleotides\n"
       "BOLD-1\tCOI-5P\tTurdus merula\tChordata\tAves\tPasseriformes\tTurdidae\tTurdus\t50.1\t8.6\tGermany\t2017-05-02\t"
       "ACGTACGGTACCA\n"
       "BOLD-2\tCOI-5P\tErithacus rubecula\tChordata\tAves\tPasseriformes\tMuscicapidae\tErithacus\t\t\tFrance\t\t"
       "TTGACCAGGTACG\n")


@pytest.fixture()
def service():
    buf = io.BytesIO()
    Image.fromarray(ref.synthetic_photo(300, 200)).save(buf, "JPEG", quality=85)
    t = np.arange(8000) / 16000
    sound = ref.wav_bytes(0.3 * np.sin(2 * np.pi * 600 * t)[:, None], 16000, 1, 16)
    with FakeMedia(buf.getvalue(), sound, {11: [101], 12: [102, 103], 15: [104]}, cut_photo=103, tsv=TSV) as s:
        yield s


def test_inaturalist_end_to_end_resumes_and_reruns_without_downloads(biocube, service, tmp_path):
    life = tmp_path / "Life"
    out = biocube("download", "inaturalist", "--species", "Turdus merula", "--out", life,
                  "--api-url", service.url + "/inat", "--interval", "0.05").stdout
    assert "4 added" in out, out
    table = pd.read_csv(life / "Turdus merula" / "images.csv", keep_default_na=False)
    assert list(table["id"]) == ["inat-11-101", "inat-12-102", "inat-12-103", "inat-15-104"]
    assert set(table["family"]) == {"Turdidae"} and set(table["licence"]) == {"cc0"}
    assert list(table["latitude"]) == [48.1] * 4
    for f in table["file"]:
        data = (life / "Turdus merula" / f).read_bytes()
        assert data == service.photo
        Image.open(io.BytesIO(data)).verify()
    assert sum(p.startswith("/photos/103/") for p in service.log) == 2, "the cut photo was resumed"
    before = sum(p.startswith("/photos/") for p in service.log)
    again = biocube("download", "inaturalist", "--species", "Turdus merula", "--out", life,
                    "--api-url", service.url + "/inat", "--interval", "0").stdout
    assert "0 added, 4 already there" in again
    assert sum(p.startswith("/photos/") for p in service.log) == before
    biocube("preprocess", "image", *sorted((life / "Turdus merula" / "images").glob("*.jpg")), "--out", tmp_path / "t")
    assert np.load(tmp_path / "t" / "11_101.npy").shape == (3, 64, 64)


def test_xeno_canto_needs_its_key_and_keeps_qualities_a_to_c(biocube, service, tmp_path):
    life = tmp_path / "Life"
    env = {k: v for k, v in os.environ.items() if k != "XENO_CANTO_API_KEY"}
    import subprocess
    proc = subprocess.run([biocube.path, "download", "xeno-canto", "--species", "Turdus merula", "--out", life,
                           "--api-url", service.url + "/xc"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and "XENO_CANTO_API_KEY" in proc.stderr
    proc = subprocess.run([biocube.path, "download", "xeno-canto", "--species", "Turdus merula", "--out", life,
                           "--api-url", service.url + "/xc", "--interval", "0"], capture_output=True, text=True,
                          env={**env, "XENO_CANTO_API_KEY": "wrong-key"})
    assert proc.returncode == 1 and "access denied" in proc.stderr and "wrong-key" not in proc.stderr
    proc = subprocess.run([biocube.path, "download", "xeno-canto", "--species", "Turdus merula", "--out", life,
                           "--api-url", service.url + "/xc", "--interval", "0"], capture_output=True, text=True,
                          env={**env, "XENO_CANTO_API_KEY": "xc-key"})
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(life / "Turdus merula" / "sounds.csv", keep_default_na=False)
    assert list(table["id"]) == ["XC700", "XC701", "XC702"] and list(table["value"]) == ["A", "B", "C"]
    assert table["timestamp"][0] == "2021-04-01T06:30:00"
    biocube("preprocess", "audio", life / "Turdus merula" / "sounds" / "XC700.wav", "--out", tmp_path / "f")
    assert np.load(tmp_path / "f" / "XC700.logmel.npy").shape == (64, 51)


def test_bold_and_descriptions(biocube, service, tmp_path):
    life = tmp_path / "Life"
    out = biocube("download", "bold", "--species", "Turdus", "--out", life, "--api-url", service.url + "/bold",
                  "--interval", "0").stdout
    assert "Turdus merula: 1 added" in out and "Erithacus rubecula: 1 added" in out
    edna = pd.read_csv(life / "Erithacus rubecula" / "edna.csv", keep_default_na=False)
    assert edna["value"][0] == "TTGACCAGGTACG" and edna["family"][0] == "Muscicapidae" and edna["latitude"][0] == ""
    out = biocube("download", "descriptions", "--species", "Turdus merula", "--species", "Nonexistent bird",
                  "--out", life, "--api-url", service.url + "/wiki", "--interval", "0").stdout
    assert "no Wikipedia article" in out
    text = pd.read_csv(life / "Turdus merula" / "descriptions.csv", keep_default_na=False)
    assert text["value"][0] == 'The common blackbird is a true thrush, "loud", of Europe.'
