"""`biocube preprocess` against independent NumPy/Pillow implementations of the rules in
Documentation/Media.md: photos, sounds, DNA sequences and texts, and bad input."""
import importlib.util
import os
import re

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("media_ref", os.path.join(ROOT, "scripts", "make_media_fixtures.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
IUPAC, kmers, normalise, fnv1a, embed_all = ref.IUPAC, ref.kmers, ref.normalise_text, ref.fnv1a, ref.embed_all


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    rgb = ref.synthetic_photo(120, 80)
    Image.fromarray(rgb).save(d / "wide.png")
    t = np.arange(int(0.6 * 22050)) / 22050
    x = 0.4 * np.sin(2 * np.pi * (500 * t + 3000 * t * t))
    (d / "clip.wav").write_bytes(ref.wav_bytes(x[:, None], 22050, 1, 16))
    return d, rgb, ref.decoded_like_reader(x[:, None], 1, 16)


def test_image_tensor_equals_numpy_area_resize(biocube, files, tmp_path):
    d, rgb, _ = files
    biocube("preprocess", "image", d / "wide.png", "--out", tmp_path, "--size", 32)
    got = np.load(tmp_path / "wide.npy")
    assert got.dtype == np.float32 and got.shape == (3, 32, 32)
    np.testing.assert_allclose(got, ref.area_tensor(rgb, 32), atol=1e-5)


def test_image_lanczos_equals_pillow(biocube, files, tmp_path):
    d, rgb, _ = files
    biocube("preprocess", "image", d / "wide.png", "--out", tmp_path, "--size", 20, "--filter", "lanczos")
    np.testing.assert_allclose(np.load(tmp_path / "wide.npy"), ref.lanczos_tensor(rgb, 20), atol=1e-4)


def test_image_custom_normalisation(biocube, files, tmp_path):
    d, rgb, _ = files
    biocube("preprocess", "image", d / "wide.png", "--out", tmp_path, "--size", 8, "--fit", "stretch",
            "--mean", "0,0,0", "--std", "1,1,1")
    a, b = ref.area_matrix(80, 8), ref.area_matrix(120, 8)
    expected = np.stack([a @ rgb[:, :, c].astype(np.float64) @ b.T for c in range(3)]) / 255
    np.testing.assert_allclose(np.load(tmp_path / "wide.npy"), expected, atol=1e-5)


def test_audio_features_equal_numpy(biocube, files, tmp_path):
    d, _, samples = files
    biocube("preprocess", "audio", d / "clip.wav", "--out", tmp_path, "--n-mels", 48, "--n-mfcc", 13)
    mel, mfcc = ref.features(ref.resample(samples, 22050, 16000), 16000, n_mels=48, n_mfcc=13)
    got_mel = np.load(tmp_path / "clip.logmel.npy")
    assert got_mel.shape == mel.shape == (48, 1 + len(ref.resample(samples, 22050, 16000)) // 160)
    np.testing.assert_allclose(got_mel, mel, atol=2e-3)
    np.testing.assert_allclose(np.load(tmp_path / "clip.mfcc.npy"), mfcc, atol=2e-2)


def test_dna_kmers_and_one_hot(biocube, tmp_path):
    fasta = tmp_path / "barcodes.fasta"
    seqs = ["ACGTTGCAACGTAGCTAGCTAGGATCCA", "acgtnacgtuuacg-tacgatcgatcgatcgatcgatcgatcgat", "GGGCCCAAATTTRGGG"]
    fasta.write_text("".join(f">record {i}\n{s[:10]}\n{s[10:]}\n" for i, s in enumerate(seqs)))
    biocube("preprocess", "dna", fasta, "--out", tmp_path, "--k", 3, "--length", 20, "--max-ambiguity", 0.1)
    clean = [re.sub(r"[-.\s]", "", s.upper().replace("U", "T")) for s in seqs]
    got = np.load(tmp_path / "kmers.npy")
    assert got.shape == (3, 64)
    np.testing.assert_allclose(got, np.stack([kmers(s, 3) for s in clean]), atol=1e-6)
    onehot = np.load(tmp_path / "onehot.npy")
    assert onehot.shape == (3, 4, 20)
    for n, s in enumerate(clean):
        for i in range(20):
            expected = [0.0] * 4 if i >= len(s) else [1 / len(IUPAC[s[i]]) if b in IUPAC[s[i]] else 0 for b in "ACGT"]
            np.testing.assert_allclose(onehot[n, :, i], expected)


def test_dna_too_ambiguous_is_an_error_naming_the_record(biocube, tmp_path):
    fasta = tmp_path / "bad.fasta"
    fasta.write_text(">good\nACGTACGT\n>murky\nACNNNNGT\n")
    proc = biocube("preprocess", "dna", fasta, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 1
    assert "bad.fasta: murky" in proc.stderr and "ambiguous" in proc.stderr
    assert not (tmp_path / "o" / "kmers.npy").exists()


def test_text_embeddings_equal_python(biocube, tmp_path):
    lines = ["The Common Blackbird (Turdus merula) is a true thrush.",
             "A small passerine bird; song loud, ﬂuty and well-known across Europe!",
             "Ｆｕｌｌ-width text, 2020 records — and the blackbird's song again: song song."]
    src = tmp_path / "descriptions.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    biocube("preprocess", "text", src, "--out", tmp_path, "--dimension", 128)
    got = np.load(tmp_path / "embeddings.npy")
    assert got.shape == (3, 128)
    np.testing.assert_allclose(got, embed_all(lines, 128, 2), atol=1e-6)


@pytest.mark.parametrize("kind,name,content", [
    ("image", "cut.jpg", None), ("image", "notes.txt", b"not an image"), ("audio", "cut.wav", None),
    ("audio", "photo.mp3", b"\xff\xd8\xff\xe0 JPEG bytes"),
])
def test_bad_media_are_errors_naming_the_file(biocube, files, tmp_path, kind, name, content):
    d, rgb, samples = files
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    elif kind == "image":
        import io
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "JPEG")
        path.write_bytes(buf.getvalue()[:2000])
    else:
        path.write_bytes((d / "clip.wav").read_bytes()[:-500])
    proc = biocube("preprocess", kind, path, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 1, proc.stderr
    assert name in proc.stderr and "biocube: error:" in proc.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
