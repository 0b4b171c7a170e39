"""make bench: species-media preprocessing throughput, BioCube against a NumPy/Pillow
reference pipeline doing the same steps, measured in the same run.

The corpus (written once into --workdir, deterministic): 240 JPEG photos 512 × 384
(iNaturalist's medium size), 16 WAV recordings of 10 s at 44.1 kHz stereo plus the same
as 128 kbit/s MP3 (LAME), 4 000 DNA barcodes of 658 bases (1 % N), 2 000 descriptions.

Steps, both sides: photo → decode → RGB → centre crop 384 × 384 → area resize to 64 × 64
(an exact factor of 6, so Pillow's BOX filter is the same filter) → ImageNet normalisation;
sound → decode → mono → Kaiser-windowed sinc resampling to 16 kHz (the same polyphase
filter table) → centred Hann STFT (400/160) → 64 Slaney mel bands → dB with an 80 dB floor
→ 20 MFCCs; DNA → clean → 4-mer frequencies (ambiguous windows spread) + one-hot (4, 658);
text → normalise → 1–2-gram FNV-1a hashing → TF-IDF fitted on all texts → unit length.
The reference is vectorised NumPy where NumPy can be (STFT, mel, resampling by a gathered
filter table, k-mers of unambiguous windows); it runs in one process. BioCube runs with 1
and with 2 tasks (`biocube-bench media DIR JOBS`). MP3 decoding has no NumPy/Pillow
counterpart and is reported for BioCube alone.

Target (issue: species media): at least 2× the reference's throughput for each kind.
"""
import argparse
import io
import json
import math
import os
import shutil
import subprocess
import sys
import time
import unicodedata

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
import make_media_fixtures as ref  # noqa: E402

RNG = np.random.default_rng(7)
WORDS = ("bird thrush song loud woodland garden europe breeding migratory forest insects berries nest eggs "
         "female male plumage black brown yellow bill common widespread species population decline habitat").split()


def write_corpus(d):
    if os.path.exists(os.path.join(d, ".complete")):
        return
    shutil.rmtree(d, ignore_errors=True)
    for sub in ("images", "sounds"):
        os.makedirs(os.path.join(d, sub))
    for i in range(240):
        Image.fromarray(ref.synthetic_photo(512, 384)).save(os.path.join(d, "images", f"{i:03d}.jpg"), quality=88)
    t = np.arange(10 * 44100) / 44100
    for i in range(16):
        x = 0.4 * np.sin(2 * np.pi * (600 + 40 * i) * t + 3 * np.sin(2 * np.pi * 0.5 * t)) + RNG.normal(0, 0.02, t.size)
        stereo = np.stack([x, 0.7 * x], axis=1)
        path = os.path.join(d, "sounds", f"{i:02d}.wav")
        open(path, "wb").write(ref.wav_bytes(stereo, 44100, 1, 16))
        if shutil.which("lame"):
            subprocess.run(["lame", "--quiet", "-b", "128", path, path[:-4] + ".mp3"], check=True)
    with open(os.path.join(d, "dna.txt"), "w") as f:
        for _ in range(4000):
            s = RNG.choice(list("ACGT"), size=658)
            s[RNG.random(658) < 0.01] = "N"
            f.write("".join(s) + "\n")
    with open(os.path.join(d, "texts.txt"), "w") as f:
        for _ in range(2000):
            f.write(" ".join(RNG.choice(WORDS, size=int(RNG.integers(40, 120)))).capitalize() + ".\n")
    open(os.path.join(d, ".complete"), "w").close()


# ---------------------------------------------------------------- the NumPy/Pillow reference

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]


def ref_image(path):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    side = min(w, h)
    im = im.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
    a = np.asarray(im.resize((64, 64), Image.Resampling.BOX), dtype=np.float32).transpose(2, 0, 1)
    return (a / 255 - MEAN) / STD


class Resampler:
    """The same Kaiser-sinc polyphase filter as BioCube, applied by gathering."""

    def __init__(self, sr_from, sr_to):
        g = math.gcd(sr_from, sr_to)
        self.up, self.down = sr_to // g, sr_from // g
        cutoff = 0.945 * 0.5 * min(1.0, self.up / self.down)
        half = 32 / (2 * cutoff)
        self.taps = int(math.ceil(half)) + 1
        j = np.arange(2 * self.taps)
        tau = (np.arange(self.up)[:, None] / self.up) - (j[None, :] - self.taps + 1)
        u = np.clip(tau / half, -1, 1)
        h = 2 * cutoff * np.sinc(2 * cutoff * tau) * np.i0(9.0 * np.sqrt(1 - u * u)) / np.i0(9.0)
        self.table = np.where(np.abs(tau) < half, h, 0).astype(np.float32)

    def __call__(self, x):
        n_out = -(-len(x) * self.up // self.down)
        padded = np.concatenate([np.zeros(self.taps, np.float32), x.astype(np.float32), np.zeros(self.taps + 1, np.float32)])
        out = np.empty(n_out, np.float32)
        j = np.arange(2 * self.taps)
        for s in range(0, n_out, 8192):
            n = np.arange(s, min(n_out, s + 8192))
            pos = n * self.down
            base, phase = pos // self.up, pos % self.up
            idx = base[:, None] - self.taps + 1 + j[None, :] + self.taps
            out[s:s + len(n)] = np.einsum("ij,ij->i", padded[idx], self.table[phase])
        return out


def read_wav(path):
    import wave
    w = wave.open(path)
    x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    return x.reshape(-1, w.getnchannels()).mean(axis=1), w.getframerate()


MEL = None


def ref_audio(path, resamplers):
    global MEL
    x, sr = read_wav(path)
    if sr not in resamplers:
        resamplers[sr] = Resampler(sr, 16000)
    y = resamplers[sr](x)
    n_fft, hop, n_mels = 400, 160, 64
    if MEL is None:
        mel_f = ref.slaney_hz(np.linspace(0, ref.slaney_mel(8000), n_mels + 2))
        fft_f = np.arange(n_fft // 2 + 1) * 16000 / n_fft
        lower = (fft_f[None, :] - mel_f[:-2, None]) / (mel_f[1:-1, None] - mel_f[:-2, None])
        upper = (mel_f[2:, None] - fft_f[None, :]) / (mel_f[2:, None] - mel_f[1:-1, None])
        weights = np.maximum(0, np.minimum(lower, upper)) * (2 / (mel_f[2:] - mel_f[:-2]))[:, None]
        k, i = np.arange(20)[:, None], np.arange(n_mels)[None, :]
        dct = np.sqrt(np.where(k == 0, 1 / n_mels, 2 / n_mels)) * np.cos(np.pi * k * (2 * i + 1) / (2 * n_mels))
        window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
        MEL = (weights, dct, window)
    weights, dct, window = MEL
    padded = np.concatenate([np.zeros(n_fft // 2), y, np.zeros(n_fft // 2)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    db = 10 * np.log10(np.maximum(1e-10, weights @ power.T))
    db = np.maximum(db, db.max() - 80)
    return dct @ db, len(x) / sr


CODE = np.full(256, -1, np.int64)
for _i, _c in enumerate("ACGT"):
    CODE[ord(_c)] = _i
EXPAND = {"A": "A", "C": "C", "G": "G", "T": "T", "N": "ACGT"}


def ref_dna(seq):
    s = seq.upper().replace("U", "T")
    b = CODE[np.frombuffer(s.encode(), np.uint8)]
    counts = np.zeros(256)
    win = np.lib.stride_tricks.sliding_window_view(b, 4)
    clean = (win >= 0).all(axis=1)
    counts += np.bincount((win[clean] * np.array([64, 16, 4, 1])).sum(axis=1), minlength=256)
    for i in np.nonzero(~clean)[0]:
        options = [EXPAND[c] for c in s[i:i + 4]]
        combos = math.prod(len(o) for o in options)
        idx = [0]
        for o in options:
            idx = [v * 4 + "ACGT".index(c) for v in idx for c in o]
        for v in idx:
            counts[v] += 1 / combos
    freq = counts / len(win)
    onehot = np.zeros((4, 658), np.float32)
    n = min(658, len(s))
    known = b[:n] >= 0
    onehot[b[:n][known], np.nonzero(known)[0]] = 1
    onehot[:, np.nonzero(~known)[0]] = 0.25
    return freq, onehot


def ref_texts(texts, dim=512):
    docs = []
    for t in texts:
        w = ref.normalise_text(t).split()
        docs.append([" ".join(w[i:i + n]) for n in (1, 2) for i in range(len(w) - n + 1)])
    hashed = [[ref.fnv1a(g) for g in d] for d in docs]
    df = np.zeros(dim)
    for h in hashed:
        for b in {x % dim for x in h}:
            df[b] += 1
    idf = np.log((1 + len(texts)) / (1 + df)) + 1
    out = []
    for h in hashed:
        v = np.zeros(dim)
        uniq, counts = np.unique(np.array(h, dtype=np.uint64), return_counts=True)
        signs = np.where(uniq >> np.uint64(63) == 0, 1.0, -1.0)
        buckets = (uniq % np.uint64(dim)).astype(np.int64)
        np.add.at(v, buckets, signs * (1 + np.log(counts)) * idf[buckets])
        out.append(v / (np.linalg.norm(v) or 1))
    return np.stack(out)


def reference(d):
    res = {}
    photos = sorted(os.listdir(os.path.join(d, "images")))
    t0 = time.perf_counter()
    for p in photos:
        ref_image(os.path.join(d, "images", p))
    res["images"] = {"count": len(photos), "seconds": time.perf_counter() - t0}
    clips = sorted(p for p in os.listdir(os.path.join(d, "sounds")) if p.endswith(".wav"))
    t0 = time.perf_counter()
    audio_seconds, resamplers = 0.0, {}
    for c in clips:
        _, s = ref_audio(os.path.join(d, "sounds", c), resamplers)
        audio_seconds += s
    res["sounds_wav"] = {"count": len(clips), "seconds": time.perf_counter() - t0, "audio_seconds": audio_seconds}
    seqs = open(os.path.join(d, "dna.txt")).read().split()
    t0 = time.perf_counter()
    for s in seqs:
        ref_dna(s)
    res["dna"] = {"count": len(seqs), "seconds": time.perf_counter() - t0}
    texts = open(os.path.join(d, "texts.txt")).read().splitlines()
    t0 = time.perf_counter()
    ref_texts(texts)
    res["texts"] = {"count": len(texts), "seconds": time.perf_counter() - t0}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True, help="the biocube-bench executable")
    ap.add_argument("--workdir", default="out/bench-media")
    a = ap.parse_args()
    write_corpus(a.workdir)
    py = reference(a.workdir)
    runs = {jobs: json.loads(subprocess.run([a.bench, "media", a.workdir, str(jobs)], check=True,
                                            capture_output=True, text=True).stdout) for jobs in (1, 2)}
    print("species media preprocessing (BioCube vs NumPy/Pillow reference, same run)")
    print("| kind | unit | reference | BioCube, 1 task | BioCube, 2 tasks | speed-up (2 tasks) |")
    print("|---|---|---|---|---|---|")
    checks = []
    for key, label, unit in [("images", "photos", "photos/s"), ("sounds_wav", "WAV sounds", "audio-s/s"),
                             ("dna", "DNA barcodes", "sequences/s"), ("texts", "descriptions", "texts/s")]:
        amount = (lambda r: r.get("audio_seconds", r["count"]))
        ref_rate = amount(py[key]) / py[key]["seconds"]
        rates = [amount(runs[j][key]) / runs[j][key]["seconds"] for j in (1, 2)]
        print(f"| {label} | {unit} | {ref_rate:,.0f} | {rates[0]:,.0f} | {rates[1]:,.0f} | {rates[1] / ref_rate:.1f}× |")
        checks.append((f"{label}: at least 2x the reference", rates[1] >= 2 * ref_rate))
    mp3 = [runs[j]["sounds_mp3"] for j in (1, 2)]
    if mp3[0]["count"]:
        print(f"| MP3 sounds | audio-s/s | (none) | {mp3[0]['audio_seconds'] / mp3[0]['seconds']:,.0f} | "
              f"{mp3[1]['audio_seconds'] / mp3[1]['seconds']:,.0f} | |")
    print()
    for name, ok in checks:
        print(("met     " if ok else "MISSED  ") + name)


if __name__ == "__main__":
    main()
