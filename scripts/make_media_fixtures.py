"""Writes the species-media fixtures and the values a preprocessor must produce from them,
computed here independently with NumPy and Pillow (Documentation/Media.md states the rules).

    python scripts/make_media_fixtures.py OUTDIR

Images: JPEG (RGB, grey, CMYK) and PNG (RGB, palette, grey, 16-bit grey, RGBA, grey + alpha)
written by Pillow, their decoded RGB bytes (`*.rgb`), truncated and corrupt copies, and the
tensors of `photo.jpg` under the area filter (exact coverage weights built here) and
Lanczos-3 (Pillow's float `F`-mode resize), ImageNet normalisation.
Audio: WAV in every sample format (plain and WAVE_FORMAT_EXTENSIBLE) with the decoded mono
samples (`*.f32`), a truncated WAV, an MP3 made by `lame` with LAME's own decode of it, and
the log-mel and MFCC features of a 44.1 kHz stereo clip (Kaiser-windowed sinc resampling to
16 kHz, centred periodic-Hann STFT, Slaney mel filters, dB with an 80 dB floor, DCT-II ortho).
"""
import io
import itertools
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import unicodedata

import numpy as np
from PIL import Image

rng = np.random.default_rng(20261128)
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])


def f32(path, array):
    np.asarray(array, dtype="<f4").tofile(path)


# ---------------------------------------------------------------- images


def synthetic_photo(w, h):
    y, x = np.mgrid[0:h, 0:w]
    r = 128 + 100 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = 255 * x / max(1, w - 1)
    b = 255 * y / max(1, h - 1)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def area_matrix(n_in, n_out):
    """Row j: the overlap of input pixel i with [j s, (j+1) s), divided by s."""
    s = n_in / n_out
    m = np.zeros((n_out, n_in))
    for j in range(n_out):
        lo, hi = j * s, (j + 1) * s
        for i in range(int(math.floor(lo)), min(n_in, int(math.ceil(hi)))):
            m[j, i] = (min(hi, i + 1) - max(lo, i)) / s
    return m


def centre_crop(rgb):
    h, w = rgb.shape[:2]
    side = min(w, h)
    x0, y0 = (w - side) // 2, (h - side) // 2
    return rgb[y0:y0 + side, x0:x0 + side]


def normalise(chw):
    return (chw / 255.0 - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]


def area_tensor(rgb, size, crop=True):
    img = centre_crop(rgb) if crop else rgb
    h, w = img.shape[:2]
    a, b = area_matrix(h, size), area_matrix(w, size)
    chw = np.stack([a @ img[:, :, c].astype(np.float64) @ b.T for c in range(3)])
    return normalise(chw)


def lanczos_tensor(rgb, size):
    img = centre_crop(rgb)
    planes = []
    for c in range(3):
        f = Image.fromarray(img[:, :, c].astype(np.float32), mode="F")
        planes.append(np.asarray(f.resize((size, size), Image.Resampling.LANCZOS), dtype=np.float64))
    return normalise(np.stack(planes))


def write_images(out):
    photo = synthetic_photo(97, 61)
    jpeg = io.BytesIO()
    Image.fromarray(photo).save(jpeg, "JPEG", quality=90)
    open(f"{out}/photo.jpg", "wb").write(jpeg.getvalue())
    decoded = np.asarray(Image.open(f"{out}/photo.jpg").convert("RGB"))
    decoded.tofile(f"{out}/photo.jpg.rgb")
    f32(f"{out}/photo_area64.f32", area_tensor(decoded, 64))
    f32(f"{out}/photo_area16.f32", area_tensor(decoded, 16))
    f32(f"{out}/photo_stretch_area16.f32", area_tensor(decoded, 16, crop=False))
    f32(f"{out}/photo_lanczos24.f32", lanczos_tensor(decoded, 24))
    open(f"{out}/truncated.jpg", "wb").write(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])

    grey = Image.fromarray(photo[:, :, 1])
    grey.save(f"{out}/grey.jpg", quality=90)
    np.asarray(Image.open(f"{out}/grey.jpg").convert("RGB")).tofile(f"{out}/grey.jpg.rgb")
    Image.fromarray(photo).convert("CMYK").save(f"{out}/cmyk.jpg", quality=95)
    photo.tofile(f"{out}/cmyk.jpg.approx.rgb")  # lossy: compared within a tolerance

    pngs = {
        "rgb.png": Image.fromarray(photo),
        "palette.png": Image.fromarray(photo).quantize(colors=50),
        "grey.png": grey,
        "rgba.png": Image.fromarray(np.dstack([photo, photo[:, :, 0]]), mode="RGBA"),
        "greyalpha.png": Image.fromarray(np.dstack([photo[:, :, 2], photo[:, :, 0]]), mode="LA"),
    }
    for name, im in pngs.items():
        im.save(f"{out}/{name}")
        # Alpha dropped without compositing: the colour values as stored (Pillow's convert).
        np.asarray(Image.open(f"{out}/{name}").convert("RGB")).tofile(f"{out}/{name}.rgb")
    # 16-bit grey: 8-bit values are round(v · 255 / 65535) (libpng's png_set_scale_16).
    wide = (rng.integers(0, 65536, size=(23, 31))).astype(np.uint16)
    Image.fromarray(wide.astype(np.int32), mode="I").convert("I;16").save(f"{out}/grey16.png")
    back = np.asarray(Image.open(f"{out}/grey16.png"), dtype=np.int64)
    assert (back == wide).all(), "Pillow did not keep the 16-bit values"
    scaled = np.floor(wide.astype(np.float64) * 255 / 65535 + 0.5).astype(np.uint8)
    np.repeat(scaled[:, :, None], 3, axis=2).tofile(f"{out}/grey16.png.rgb")

    raw = open(f"{out}/rgb.png", "rb").read()
    open(f"{out}/truncated.png", "wb").write(raw[: len(raw) * 2 // 3])
    bad = bytearray(raw)
    bad[40] ^= 0xFF  # inside the first IDAT (CRC no longer matches)
    open(f"{out}/corrupt.png", "wb").write(bytes(bad))
    # 70 000 × 70 000 declared in the header of a tiny file: refused before any allocation.
    header = bytearray(raw[:33])
    struct.pack_into(">II", header, 16, 70000, 70000)
    import zlib
    struct.pack_into(">I", header, 29, zlib.crc32(bytes(header[12:29])))
    open(f"{out}/huge.png", "wb").write(bytes(header) + raw[33:])


# ---------------------------------------------------------------- audio


def wav_bytes(samples, rate, fmt, bits, extensible=False):
    """samples: (frames, channels) float64 in [-1, 1)."""
    frames, channels = samples.shape
    if fmt == 3:
        data = samples.astype("<f4" if bits == 32 else "<f8").tobytes()
    elif bits == 8:
        data = np.clip(np.round(samples * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    else:
        scale = 2 ** (bits - 1)
        ints = np.clip(np.round(samples * scale), -scale, scale - 1).astype(np.int64)
        data = b"".join(int(v).to_bytes(bits // 8, "little", signed=True) for v in ints.reshape(-1))
    block = channels * bits // 8
    if extensible:
        guid = struct.pack("<H", fmt) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt_chunk = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, 0) + guid
    else:
        fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    body += b"LIST" + struct.pack("<I", 5) + b"INFOx\x00"  # an odd-sized chunk, padded
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def decoded_like_reader(samples, fmt, bits):
    """What a reader must give back: the stored values scaled to [-1, 1], channels averaged."""
    if fmt == 3:
        v = samples.astype(np.float32 if bits == 32 else np.float64).astype(np.float64)
    elif bits == 8:
        v = (np.clip(np.round(samples * 128 + 128), 0, 255) - 128) / 128
    else:
        scale = 2 ** (bits - 1)
        v = np.clip(np.round(samples * scale), -scale, scale - 1) / scale
    return v.mean(axis=1)


KAISER_BETA, ZERO_CROSSINGS, ROLLOFF = 9.0, 32, 0.945


def resample(x, sr_from, sr_to):
    g = math.gcd(sr_from, sr_to)
    up, down = sr_to // g, sr_from // g
    cutoff = ROLLOFF * 0.5 * min(1.0, up / down)
    half = ZERO_CROSSINGS / (2 * cutoff)
    n_out = -(-len(x) * up // down)
    y = np.zeros(n_out)
    i0 = np.i0(KAISER_BETA)
    for n in range(n_out):
        t = n * down / up
        k = np.arange(max(0, math.floor(t - half)), min(len(x), math.ceil(t + half) + 1))
        tau = t - k
        inside = np.abs(tau) < half
        u = tau / half
        h = 2 * cutoff * np.sinc(2 * cutoff * tau) * np.i0(KAISER_BETA * np.sqrt(np.clip(1 - u * u, 0, None))) / i0
        y[n] = np.sum(np.where(inside, h, 0) * x[k])
    return y


def slaney_mel(f):
    f = np.asarray(f, dtype=np.float64)
    return np.where(f < 1000, f * 3 / 200, 15 + np.log(np.maximum(f, 1e-12) / 1000) * 27 / np.log(6.4))


def slaney_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m < 15, m * 200 / 3, 1000 * np.exp((m - 15) * np.log(6.4) / 27))


def features(x, sr, n_fft=400, hop=160, n_mels=64, n_mfcc=20, fmin=0.0, fmax=None, top_db=80.0):
    fmax = sr / 2 if fmax is None else fmax
    pad = n_fft // 2
    padded = np.concatenate([np.zeros(pad), x, np.zeros(pad)])
    frames = max(1, 1 + (len(padded) - n_fft) // hop)
    padded = np.concatenate([padded, np.zeros(max(0, (frames - 1) * hop + n_fft - len(padded)))])
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    stft = np.stack([np.fft.rfft(padded[f * hop:f * hop + n_fft] * window) for f in range(frames)], axis=1)
    power = np.abs(stft) ** 2
    mel_f = slaney_hz(np.linspace(slaney_mel(fmin), slaney_mel(fmax), n_mels + 2))
    fft_f = np.arange(n_fft // 2 + 1) * sr / n_fft
    weights = np.zeros((n_mels, n_fft // 2 + 1))
    for i in range(n_mels):
        lower = (fft_f - mel_f[i]) / (mel_f[i + 1] - mel_f[i])
        upper = (mel_f[i + 2] - fft_f) / (mel_f[i + 2] - mel_f[i + 1])
        weights[i] = np.maximum(0, np.minimum(lower, upper)) * 2 / (mel_f[i + 2] - mel_f[i])
    db = 10 * np.log10(np.maximum(1e-10, weights @ power))
    if top_db is not None:
        db = np.maximum(db, db.max() - top_db)
    k = np.arange(n_mfcc)[:, None]
    i = np.arange(n_mels)[None, :]
    dct = np.sqrt(np.where(k == 0, 1 / n_mels, 2 / n_mels)) * np.cos(np.pi * k * (2 * i + 1) / (2 * n_mels))
    return db, dct @ db


# ---------------------------------------------------------------- DNA and text (the tests' references)

IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT",
         "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT"}


def kmers(seq, k):
    counts = np.zeros(4 ** k)
    windows = 0
    for i in range(len(seq) - k + 1):
        options = [IUPAC[c] for c in seq[i:i + k]]
        combos = list(itertools.product(*options))
        if len(combos) > 256:
            continue
        for combo in combos:
            counts[sum("ACGT".index(b) * 4 ** (k - 1 - j) for j, b in enumerate(combo))] += 1 / len(combos)
        windows += 1
    return counts / windows if windows else counts


def normalise_text(text):
    t = unicodedata.normalize("NFKC", text).lower()
    out, pending = [], False
    for i, ch in enumerate(t):
        word = ch.isalpha() or unicodedata.numeric(ch, None) is not None
        joins = ch in "'-" and 0 < i < len(t) - 1 and t[i - 1].isalpha() and t[i + 1].isalpha()
        if word or joins:
            if pending and out:
                out.append(" ")
            pending = False
            out.append(ch)
        else:
            pending = True
    return "".join(out)


def fnv1a(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def embed_all(lines, dim, n_max):
    def grams(text):
        w = normalise_text(text).split()
        return [" ".join(w[i:i + n]) for n in range(1, n_max + 1) for i in range(len(w) - n + 1)]
    docs = [grams(t) for t in lines]
    df = np.zeros(dim)
    for g in docs:
        for b in {fnv1a(x) % dim for x in g}:
            df[b] += 1
    idf = np.log((1 + len(lines)) / (1 + df)) + 1
    out = []
    for g in docs:
        v = np.zeros(dim)
        for gram in sorted(set(g)):
            h = fnv1a(gram)
            v[h % dim] += (1 if h >> 63 == 0 else -1) * (1 + math.log(g.count(gram))) * idf[h % dim]
        n = np.linalg.norm(v)
        out.append(v / n if n else v)
    return np.stack(out)



def write_audio(out):
    expected = {}
    t16 = np.arange(8000) / 16000
    stereo = np.stack([0.6 * np.sin(2 * np.pi * 440 * t16), 0.3 * np.sin(2 * np.pi * 1234 * t16 + 0.5)], axis=1)
    stereo += rng.normal(0, 0.01, stereo.shape)
    for fmt, bits, ext in [(1, 8, False), (1, 16, False), (1, 24, False), (1, 32, False), (3, 32, False),
                           (3, 64, False), (1, 24, True), (3, 32, True)]:
        name = f"{'pcm' if fmt == 1 else 'float'}{bits}{'-ext' if ext else ''}.wav"
        open(f"{out}/{name}", "wb").write(wav_bytes(stereo, 16000, fmt, bits, ext))
        f32(f"{out}/{name}.f32", decoded_like_reader(stereo, fmt, bits))
        expected[name] = {"rate": 16000, "channels": 2, "frames": len(stereo)}
    full = wav_bytes(stereo, 16000, 1, 16)
    open(f"{out}/truncated.wav", "wb").write(full[: len(full) - 1000])

    # The features of a 44.1 kHz stereo clip (resampled to 16 kHz first).
    t = np.arange(int(0.8 * 44100)) / 44100
    chirp = 0.5 * np.sin(2 * np.pi * (300 * t + 2500 * t * t)) + rng.normal(0, 0.02, len(t))
    clip = np.stack([chirp, 0.5 * chirp + 0.2 * np.sin(2 * np.pi * 3000 * t)], axis=1)
    open(f"{out}/clip44k.wav", "wb").write(wav_bytes(clip, 44100, 3, 32))
    mono = decoded_like_reader(clip, 3, 32)
    resampled = resample(mono, 44100, 16000)
    f32(f"{out}/clip44k.resampled16k.f32", resampled)
    db, mfcc = features(resampled, 16000)
    f32(f"{out}/clip44k.logmel.f32", db)
    f32(f"{out}/clip44k.mfcc.f32", mfcc)
    expected["clip44k.wav"] = {"rate": 44100, "channels": 2, "frames": len(clip), "mel_shape": list(db.shape)}
    # Other settings: a power-of-two FFT, 40 bands from 50 Hz to 7 kHz, no floor, 13 MFCCs.
    db2, mfcc2 = features(resampled, 16000, n_fft=512, hop=128, n_mels=40, n_mfcc=13, fmin=50, fmax=7000, top_db=None)
    f32(f"{out}/clip44k.logmel-512.f32", db2)
    f32(f"{out}/clip44k.mfcc-512.f32", mfcc2)
    expected["clip44k.wav"]["mel_shape_512"] = list(db2.shape)

    # MP3: encoded and decoded by LAME (an MPEG decoder independent of libmpg123).
    if shutil.which("lame") is None:
        sys.exit("make_media_fixtures: `lame` is missing (apt install lame; `make deps` installs it)")
    t44 = np.arange(44100) / 44100
    tone = 0.5 * np.sin(2 * np.pi * 440 * t44)
    open(f"{out}/tone.wav", "wb").write(wav_bytes(tone[:, None], 44100, 1, 16))
    subprocess.run(["lame", "--quiet", "-b", "128", f"{out}/tone.wav", f"{out}/tone.mp3"], check=True)
    subprocess.run(["lame", "--quiet", "--decode", f"{out}/tone.mp3", f"{out}/tone.lame.wav"], check=True)
    os.remove(f"{out}/tone.wav")
    expected["tone.mp3"] = {"rate": 44100, "channels": 1}
    json.dump(expected, open(f"{out}/audio.json", "w"), indent=1)


def main():
    out = sys.argv[1]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    write_images(out)
    write_audio(out)
    open(f"{out}/.complete", "w").write("")


if __name__ == "__main__":
    main()
