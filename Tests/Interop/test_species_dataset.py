"""`biocube species-dataset` read back with pyarrow and compared with the NumPy/Pillow
references: every modality's tensor, the taxonomy labels, the year filter, bad records
reported, stable label ids when the library grows, and reruns that reuse finished species."""
import json
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from PIL import Image

from test_media import IUPAC, embed_all, kmers, ref

COLUMNS = ["id", "source", "kind", "species", "common_name", "kingdom", "phylum", "class", "order", "family",
           "genus", "latitude", "longitude", "timestamp", "country", "file", "url", "licence", "value"]


def table(folder, name, rows):
    df = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows], columns=COLUMNS)
    df.to_csv(folder / name, index=False)


def make_species(life, species, taxonomy, photo_seed, with_bad=False):
    folder = life / species
    (folder / "images").mkdir(parents=True)
    (folder / "sounds").mkdir()
    rows = []
    for k in range(2):
        rgb = ref.synthetic_photo(50 + 10 * k + photo_seed, 40)
        Image.fromarray(rgb).save(folder / "images" / f"{k}.png")
        rows.append({"id": f"inat-{k}", "source": "inaturalist", "kind": "image", "species": species,
                     "timestamp": f"20{10 + k}-05-01T08:00:00+02:00", "latitude": 48.0 + k, "longitude": 11.0,
                     "file": f"images/{k}.png", "licence": "cc0", **taxonomy})
    rows.append({"id": "inat-old", "source": "inaturalist", "kind": "image", "species": species,
                 "timestamp": "1995-01-01", "file": "images/0.png", **taxonomy})
    rows.append({"id": "inat-notime", "source": "inaturalist", "kind": "image", "species": species,
                 "timestamp": "", "file": "images/0.png", **taxonomy})
    if with_bad:
        (folder / "images" / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a whole JPEG")
        rows.append({"id": "inat-bad", "source": "inaturalist", "kind": "image", "species": species,
                     "timestamp": "2015-01-01", "file": "images/bad.jpg", **taxonomy})
    table(folder, "images.csv", rows)
    t = np.arange(5000) / 16000
    x = 0.3 * np.sin(2 * np.pi * (400 + 100 * photo_seed) * t)
    (folder / "sounds" / "XC1.wav").write_bytes(ref.wav_bytes(x[:, None], 16000, 1, 16))
    table(folder, "sounds.csv", [{"id": "XC1", "source": "xeno-canto", "kind": "sound", "species": species,
                                  "timestamp": "2012-04-01T06:30:00", "file": "sounds/XC1.wav", **taxonomy}])
    table(folder, "edna.csv", [{"id": "B-1/COI-5P", "source": "bold", "kind": "edna", "species": species,
                                "timestamp": "2013-03-03", "value": "ACGTRACGTTGCA" + "ACGT" * (5 + photo_seed),
                                **taxonomy}])
    table(folder, "descriptions.csv", [{"id": "wikipedia", "source": "wikipedia", "kind": "text", "species": species,
                                        "value": f"{species} is a bird, \"loud\" and common ({photo_seed})."}])


TAX_A = {"kingdom": "Animalia", "phylum": "Chordata", "class": "Aves", "order": "Passeriformes",
         "family": "Turdidae", "genus": "Turdus"}
TAX_B = {**TAX_A, "family": "Muscicapidae", "genus": "Erithacus"}


def test_dataset_rows_tensors_and_labels(biocube, tmp_path):
    life = tmp_path / "Life"
    make_species(life, "Turdus merula", TAX_A, 1, with_bad=True)
    make_species(life, "Erithacus rubecula", TAX_B, 2)
    out = tmp_path / "ds" / "species_media.parquet"
    (tmp_path / "keys.csv").write_text("species,key\nTurdus merula,2490719\n")
    run = biocube("species-dataset", life, "--out", out, "--start", 2000, "--end", 2020, "--image-size", 16,
                  "--n-mels", 32, "--k", 3, "--text-dimension", 64, "--species-keys", tmp_path / "keys.csv")
    assert "3 record(s) left out" in run.stdout, run.stdout  # two without a time, and the broken JPEG
    assert "inat-notime" in run.stdout and "bad.jpg" in run.stdout
    t = pq.read_table(out).to_pandas()
    assert list(t["species"]) == ["Erithacus rubecula"] * 5 + ["Turdus merula"] * 5
    assert list(t["modality"][:5]) == ["image", "image", "sound", "edna", "text"]
    labels = json.load(open(tmp_path / "ds" / "label_mappings.json"))
    assert labels["version"] == 1
    assert labels["ranks"]["Species"] == {"Erithacus rubecula": 1, "Turdus merula": 2}
    assert labels["ranks"]["Family"] == {"Muscicapidae": 1, "Turdidae": 2}
    assert set(t["species_label"]) == {1, 2} and list(t["family_label"][:5]) == [1] * 5

    def tensor(row):
        return np.frombuffer(row["tensor"], "<f4").reshape([int(s) for s in row["shape"].split(",")])

    turdus = t[t["species"] == "Turdus merula"].reset_index(drop=True)
    assert set(turdus["species_key"]) == {2490719} and t[t["species"] != "Turdus merula"]["species_key"].isna().all()
    img = turdus.iloc[0]
    assert img["feature"] == "rgb" and img["record_id"] == "inat-0" and img["file"] == "images/0.png"
    rgb = np.asarray(Image.open(life / "Turdus merula" / "images" / "0.png").convert("RGB"))
    np.testing.assert_allclose(tensor(img), ref.area_tensor(rgb, 16), atol=1e-5)
    assert pd.Timestamp(img["timestamp"]) == pd.Timestamp("2010-05-01T06:00:00Z")
    sound = turdus[turdus["modality"] == "sound"].iloc[0]
    t16 = np.arange(5000) / 16000
    x = ref.decoded_like_reader((0.3 * np.sin(2 * np.pi * 500 * t16))[:, None], 1, 16)
    mel, _ = ref.features(x, 16000, n_mels=32, n_mfcc=20)
    assert sound["feature"] == "log-mel"
    np.testing.assert_allclose(tensor(sound), mel, atol=2e-3)
    dna = turdus[turdus["modality"] == "edna"].iloc[0]
    sequence = "ACGTRACGTTGCA" + "ACGT" * 6
    assert dna["text"] == sequence and dna["feature"] == "kmer-3"
    np.testing.assert_allclose(tensor(dna), kmers(sequence, 3), atol=1e-6)
    texts = [f"{s} is a bird, \"loud\" and common ({n})." for s, n in [("Erithacus rubecula", 2), ("Turdus merula", 1)]]
    vectors = embed_all(texts, 64, 2)
    text_rows = t[t["modality"] == "text"]
    np.testing.assert_allclose(np.stack([tensor(r) for _, r in text_rows.iterrows()]), vectors, atol=1e-6)
    assert pd.isna(text_rows.iloc[0]["timestamp"])

    # The library grows: a species sorting first gets the next id, nobody is renumbered, and
    # the species already done are reused.
    make_species(life, "Aaa bbb", {**TAX_A, "family": "Aaaidae"}, 3)
    again = biocube("species-dataset", life, "--out", out, "--start", 2000, "--end", 2020, "--image-size", 16,
                    "--n-mels", 32, "--k", 3, "--text-dimension", 64, "--keep-parts").stdout
    labels = json.load(open(tmp_path / "ds" / "label_mappings.json"))
    assert labels["ranks"]["Species"] == {"Erithacus rubecula": 1, "Turdus merula": 2, "Aaa bbb": 3}
    assert labels["ranks"]["Family"]["Aaaidae"] == 3
    assert pq.read_table(out).num_rows == 15
    third = biocube("species-dataset", life, "--out", out, "--start", 2000, "--end", 2020, "--image-size", 16,
                    "--n-mels", 32, "--k", 3, "--text-dimension", 64, "--keep-parts").stdout
    assert "(3 species reused" in third, third


def test_an_empty_library_is_an_error(biocube, tmp_path):
    (tmp_path / "Life").mkdir()
    proc = biocube("species-dataset", tmp_path / "Life", "--out", tmp_path / "x.parquet", check=False)
    assert proc.returncode == 1 and "no species folders" in proc.stderr
    assert not (tmp_path / "x.parquet").exists()


def test_media_dataset_as_an_extra_batch_group(biocube, tmp_path):
    """A build that finds Media/species_media.parquet stores the species_media group; batches
    carry it only when asked, and the default batches are byte-identical to a build without it."""
    from safetensors.numpy import load_file

    root = tmp_path / "BioCube"
    biocube("sample", root, "--end", "2000-03")
    life = tmp_path / "Life"
    folder = life / "Turdus merula"
    (folder / "images").mkdir(parents=True)
    Image.fromarray(ref.synthetic_photo(40, 40)).save(folder / "images" / "a.png")
    rows = [  # two photos in one cell in January, one elsewhere in February, one off the grid
        {"id": "p1", "timestamp": "2000-01-10T12:00:00Z", "latitude": 48.1, "longitude": 11.5},
        {"id": "p2", "timestamp": "2000-01-20T12:00:00+01:00", "latitude": 48.05, "longitude": 11.55},
        {"id": "p3", "timestamp": "2000-02-02", "latitude": 60.0, "longitude": 10.0},
        {"id": "p4", "timestamp": "2000-02-03", "latitude": 10.0, "longitude": 10.0},
    ]
    table(folder, "images.csv", [{**r, "source": "inaturalist", "kind": "image", "species": "Turdus merula",
                                  "file": "images/a.png", **TAX_A} for r in rows])
    (root / "Media").mkdir()
    biocube("species-dataset", life, "--out", root / "Media" / "species_media.parquet", "--image-size", 8)

    plain = tmp_path / "plain"
    plain.mkdir()
    import shutil
    shutil.copytree(root, plain / "BioCube", ignore=shutil.ignore_patterns("Media"))
    biocube("build", root, "--store", tmp_path / "with.zarr")
    biocube("build", plain / "BioCube", "--store", tmp_path / "without.zarr")
    biocube("batches", tmp_path / "with.zarr", "--out", tmp_path / "b-with")
    biocube("batches", tmp_path / "without.zarr", "--out", tmp_path / "b-without")
    names = sorted(p.name for p in (tmp_path / "b-with").glob("*.pt"))
    assert names and names == sorted(p.name for p in (tmp_path / "b-without").glob("*.pt"))
    for n in names:
        assert (tmp_path / "b-with" / n).read_bytes() == (tmp_path / "b-without" / n).read_bytes()

    biocube("batches", tmp_path / "with.zarr", "--out", tmp_path / "b-media", "--format", "safetensors",
            "--variables", "+species_media:*", "--missing", "nan")
    first = sorted((tmp_path / "b-media").glob("*.safetensors"))[0]
    tensors = load_file(first)
    counts = tensors["species_media/image_count"]
    rows_plane = tensors["species_media/image_first_row"]
    assert counts.shape[0] == 2  # (t, t+1)
    lat = 32.0 + 0.25 * np.arange(counts.shape[1])
    lon = -25.0 + 0.25 * np.arange(counts.shape[2])
    i, j = int(np.argmin(abs(lat - 48.0))), int(np.argmin(abs(lon - 11.5)))
    # Cells are the 0.25° points nearest each observation (the grid's own rule).
    assert counts[0].sum() == 2 and counts[1].sum() == 1
    jan = np.argwhere(counts[0] == 2)
    assert len(jan) == 1 and rows_plane[0][tuple(jan[0])] == 0
    assert np.isnan(rows_plane[0]).sum() == rows_plane[0].size - 1


def test_species_media_dataset_for_pytorch(biocube, tmp_path):
    """biocube.torch.SpeciesMediaDataset gives each row's tensor and label ids, per modality,
    through a real DataLoader with workers."""
    import torch
    from torch.utils.data import DataLoader
    from biocube.torch import SpeciesMediaDataset

    life = tmp_path / "Life"
    make_species(life, "Turdus merula", TAX_A, 1)
    make_species(life, "Erithacus rubecula", TAX_B, 2)
    out = tmp_path / "species_media.parquet"
    biocube("species-dataset", life, "--out", out, "--start", 2000, "--end", 2020, "--image-size", 16,
            "--n-mels", 32, "--k", 3, "--text-dimension", 64)
    t = pq.read_table(out).to_pandas()
    images = SpeciesMediaDataset(out, modality="image")
    rows = t[t["modality"] == "image"].reset_index(drop=True)
    assert len(images) == len(rows) == 4
    for i, row in rows.iterrows():
        item = images[i]
        expected = np.frombuffer(row["tensor"], "<f4").reshape([int(s) for s in row["shape"].split(",")])
        assert item["tensor"].shape == (3, 16, 16) and item["tensor"].dtype == torch.float32
        assert np.array_equal(item["tensor"].numpy(), expected)
        assert item["label"].item() == row["species_label"] and item["species"] == row["species"]
        assert item["labels"]["family"].item() == row["family_label"]
        assert item["record_id"] == row["record_id"] and item["feature"] == "rgb"
    batches = list(DataLoader(images, batch_size=2, shuffle=True, num_workers=2))
    assert sorted(torch.cat([b["label"] for b in batches]).tolist()) == sorted(rows["species_label"].tolist())
    assert batches[0]["tensor"].shape == (2, 3, 16, 16)
    assert len(SpeciesMediaDataset(out)) == len(t)
    sounds = SpeciesMediaDataset(out, modality="sound", transform=lambda x: x[None])
    assert sounds[0]["tensor"].shape[0] == 1 and sounds[0]["feature"] == "log-mel"
    with pytest.raises(IndexError):
        images[len(images)]
    with pytest.raises(ValueError, match="modality 'video'"):
        SpeciesMediaDataset(out, modality="video")
    with pytest.raises(FileNotFoundError, match="nowhere.parquet"):
        SpeciesMediaDataset(tmp_path / "nowhere.parquet")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match="bad.parquet"):
        SpeciesMediaDataset(tmp_path / "bad.parquet")
