"""`biocube preprocess --preset torchvision|librosa` against the real libraries in .venv:
torchvision's ImageNet evaluation transform on PIL images, and librosa.load + melspectrogram
+ power_to_db + mfcc. Tolerances of the issue: images within one 8-bit level, log-mel within
0.01 dB, MFCC within 0.05."""
import os

import librosa
import numpy as np
import pytest
import soundfile
from PIL import Image

import torchvision_pil

STD = np.array(torchvision_pil.IMAGENET_STD, dtype=np.float32)[:, None, None]

# (width, height): landscape and portrait; (w − h) mod 4 = 3, where a floor-based centre crop
# is one pixel off torchvision's round-half-even; a height shrinking more than twice the width
# (Pillow 13 resizes vertically first); squares; pictures smaller than the output (upscaled).
SHAPES = [(400, 300), (301, 517), (640, 480), (123, 77), (224, 224), (225, 300), (1000, 997), (99, 300),
          (351, 40), (37, 41), (500, 203)]


def photo(w, h, seed):
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, w)[None, :, None] * np.linspace(0.2, 1, h)[:, None, None]
    edges = ((np.arange(w)[None, :] // 7 + np.arange(h)[:, None] // 5) % 2 * 90)[:, :, None]
    return np.clip(x + edges + rng.normal(0, 25, (h, w, 3)), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("photos")
    files = []
    for i, (w, h) in enumerate(SHAPES):
        rgb = photo(w, h, i)
        Image.fromarray(rgb).save(d / f"p{i}.png")
        Image.fromarray(rgb).save(d / f"j{i}.jpg", quality=88)
        files += [d / f"p{i}.png", d / f"j{i}.jpg"]
    Image.fromarray(photo(90, 60, 99)[:, :, 0]).save(d / "grey.png")
    return files + [d / "grey.png"]


@pytest.mark.parametrize("size", [224, 64, 19])
def test_torchvision_preset_equals_torchvision(biocube, photos, tmp_path, size):
    biocube("preprocess", "image", *photos, "--out", tmp_path, "--preset", "torchvision", "--size", size)
    transform = torchvision_pil.imagenet_eval(size)
    exact = 0
    for f in photos:
        expected = transform(Image.open(f).convert("RGB")).numpy()
        got = np.load(tmp_path / (f.stem + ".npy"))
        assert got.shape == expected.shape == (3, size, size)
        levels = np.abs(got - expected) * STD * 255
        assert levels.max() <= 1.0 + 1e-3, f"{f.name}: {levels.max():.3f} 8-bit levels off torchvision"
        exact += np.array_equal(got, expected)
    # Pillow's fixed-point arithmetic is reproduced, so (same libjpeg-turbo IDCT) every file is
    # bit-identical here; the tolerance above is the contract.
    assert exact == len(photos), f"only {exact} of {len(photos)} bit-identical"


def test_default_image_mode_is_not_torchvision(biocube, photos, tmp_path):
    """The default (crop first, exact area averaging in float) is a different, documented rule."""
    f = photos[0]
    biocube("preprocess", "image", f, "--out", tmp_path, "--size", 64)
    expected = torchvision_pil.imagenet_eval(64)(Image.open(f).convert("RGB")).numpy()
    assert np.abs(np.load(tmp_path / (f.stem + ".npy")) - expected).max() * 0.229 * 255 > 1


def test_preset_refuses_conflicting_flags(biocube, photos, tmp_path):
    r = biocube("preprocess", "image", photos[0], "--out", tmp_path, "--preset", "torchvision", "--filter", "area",
                check=False)
    assert r.returncode != 0 and "--preset torchvision fixes" in r.stderr


def tone_file(path, rate, channels, seconds, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    # A chirp, a tone near the source's Nyquist frequency (what separates resamplers) and noise.
    x = 0.3 * np.sin(2 * np.pi * (300 * t + 900 * t * t)) + 0.15 * np.sin(2 * np.pi * 0.46 * rate * t)
    x = x + 0.03 * rng.normal(size=t.size)
    if channels == 2:
        x = np.stack([x, 0.6 * x + 0.05 * rng.normal(size=t.size)], 1)
    soundfile.write(path, np.clip(x, -1, 1), rate, subtype="PCM_16")


CLIPS = [(44100, 1, 5.0), (48000, 2, 3.3), (22050, 1, 2.0), (32000, 2, 4.1), (16000, 1, 1.5), (8000, 1, 2.0),
         (44100, 2, 0.3), (11025, 1, 0.01)]


@pytest.mark.parametrize("n_fft,hop,n_mels,n_mfcc,sr", [(400, 160, 64, 20, 16000), (512, 128, 96, 13, 22050)])
def test_librosa_preset_equals_librosa(biocube, tmp_path, n_fft, hop, n_mels, n_mfcc, sr):
    files = []
    for i, (rate, ch, seconds) in enumerate(CLIPS):
        p = tmp_path / f"c{i}.wav"
        tone_file(p, rate, ch, seconds, i)
        files.append(p)
    out = tmp_path / "out"
    biocube("preprocess", "audio", *files, "--out", out, "--preset", "librosa", "--sample-rate", sr, "--n-fft", n_fft,
            "--hop", hop, "--n-mels", n_mels, "--n-mfcc", n_mfcc)
    for p in files:
        y, _ = librosa.load(p, sr=sr)
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
        logmel = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80)
        mfcc = librosa.feature.mfcc(S=logmel, n_mfcc=n_mfcc)
        got_mel = np.load(out / f"{p.stem}.logmel.npy")
        got_mfcc = np.load(out / f"{p.stem}.mfcc.npy")
        assert got_mel.shape == logmel.shape and got_mfcc.shape == mfcc.shape, p.name
        assert np.abs(got_mel - logmel).max() <= 0.01, f"{p.name}: log-mel {np.abs(got_mel - logmel).max()} dB"
        assert np.abs(got_mfcc - mfcc).max() <= 0.05, f"{p.name}: MFCC {np.abs(got_mfcc - mfcc).max()}"


def test_kaiser_default_differs_from_librosa_near_nyquist(biocube, tmp_path):
    """The default resampler is BioCube's Kaiser sinc; near the new Nyquist frequency its
    log-mel bands differ from librosa.load's soxr_hq (documented in Media.md)."""
    p = tmp_path / "full.wav"
    tone_file(p, 44100, 1, 2.0, 7)
    biocube("preprocess", "audio", p, "--out", tmp_path)
    y, _ = librosa.load(p, sr=16000)
    logmel = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=64), amin=1e-10, top_db=80)
    diff = np.abs(np.load(tmp_path / "full.logmel.npy") - logmel)
    # Top bands: dB apart (two pass-band edges); the rest: a few hundredths (stop-band leakage).
    assert diff[-2:].max() > 1 and diff[:48].max() < 0.2


@pytest.mark.parametrize("size", [64, 100, 19])
def test_jpeg_draft_equals_pillow_draft_then_torchvision(biocube, photos, tmp_path, size):
    """`--jpeg-draft` decodes as Pillow's `Image.draft("RGB", (S, S))` (reduced by the DCT) and
    the preset then equals torchvision on that picture, bit for bit; PNGs are decoded whole."""
    biocube("preprocess", "image", *photos, "--out", tmp_path, "--preset", "torchvision", "--size", size,
            "--jpeg-draft")
    transform = torchvision_pil.imagenet_eval(size)
    reduced = 0
    for f in photos:
        im = Image.open(f)
        full = im.size
        im.draft("RGB", (size, size))
        reduced += im.size != full
        expected = transform(im.convert("RGB")).numpy()
        got = np.load(tmp_path / (f.stem + ".npy"))
        assert np.array_equal(got, expected), f"{f.name}: {np.abs(got - expected).max() * 0.229 * 255:.2f} levels"
    assert reduced > 0, "no picture was large enough to be reduced: the test checks nothing"
