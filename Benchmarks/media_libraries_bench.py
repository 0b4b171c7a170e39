"""make bench: species-media preprocessing, BioCube's presets against the libraries models are
trained with, measured in the same run on the same files.

Corpus (written once into --workdir, deterministic): 240 JPEG photos (500 × 375 and
375 × 500, iNaturalist's medium size), 240 WAV clips of 5 s at 44.1 kHz (mono, 16-bit), 20 000
species descriptions of 40–120 words.

| kind | library side (in one Python process, after its imports) | BioCube side (the whole command) |
|---|---|---|
| photos | Pillow: open + convert("RGB") + resize(shorter side 224, BILINEAR) + crop + NumPy normalise; torchvision: Resize(224) + CenterCrop(224) + ToTensor + Normalize | `biocube preprocess image --preset torchvision --size 224` |
| photos, small | `Image.draft("RGB", (64, 64))` (DCT-reduced decode), then torchvision's transform at 64 | `--preset torchvision --size 64 --jpeg-draft` |
| sounds | librosa.load(sr=16000) + melspectrogram(400/160, 64 mels) + power_to_db + mfcc(20) | `biocube preprocess audio --preset librosa` |
| texts | scikit-learn HashingVectorizer(512, 1–2-grams) + TfidfTransformer(sublinear_tf) fit_transform (the same computation: hashed TF-IDF); also TfidfVectorizer(1–2-grams, sublinear_tf) with its vocabulary | `biocube preprocess text --dimension 512` |

BioCube's times are of the whole process (start, decode, compute, and writing every tensor as
a .npy file into --out, on /dev/shm when it exists); the libraries keep their results in
memory. The libraries' import time is measured in a fresh interpreter and reported apart.
Every BioCube output is compared with the library's (photos within one 8-bit level, log-mel
within 0.01 dB, MFCC within 0.05), so the ratios are of equal results.

Targets (issue #28, on 2 cores): audio ≥ 2× librosa, photos ≥ 2× Pillow and ≥ 2× torchvision,
text ≥ 3× scikit-learn.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Interop"))

WORDS = ("bird thrush song loud woodland garden europe breeding migratory forest insects berries nest eggs "
         "female male plumage black brown yellow bill common widespread species population decline habitat "
         "Amsel Schwarzdrossel oiseau chante forêt ΟΔΟΣ naïve café").split()


def write_corpus(d):
    if os.path.exists(os.path.join(d, ".complete")):
        return
    import soundfile
    from PIL import Image
    shutil.rmtree(d, ignore_errors=True)
    for sub in ("images", "sounds"):
        os.makedirs(os.path.join(d, sub))
    rng = np.random.default_rng(11)
    for i in range(240):
        w, h = (500, 375) if i % 3 else (375, 500)
        x = np.linspace(0, 255, w)[None, :, None] * np.linspace(0.2, 1, h)[:, None, None]
        blocks = ((np.arange(w)[None, :] // (5 + i % 7) + np.arange(h)[:, None] // 9) % 2 * 70)[:, :, None]
        rgb = np.clip(x + blocks + rng.normal(0, 18, (h, w, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(rgb).save(os.path.join(d, "images", f"{i:03d}.jpg"), quality=88)
    t = np.arange(5 * 44100) / 44100
    for i in range(240):
        x = 0.3 * np.sin(2 * np.pi * ((400 + 10 * i) * t + 500 * t * t)) + 0.1 * np.sin(2 * np.pi * 9000 * t)
        x = x + rng.normal(0, 0.02, t.size)
        soundfile.write(os.path.join(d, "sounds", f"{i:03d}.wav"), np.clip(x, -1, 1), 44100, subtype="PCM_16")
    with open(os.path.join(d, "texts.txt"), "w", encoding="utf-8") as f:
        for _ in range(20000):
            f.write(" ".join(rng.choice(WORDS, size=int(rng.integers(40, 120)))).capitalize() + ".\n")
    open(os.path.join(d, ".complete"), "w").close()


IMPORTS = {
    "Pillow": "from PIL import Image; import numpy",
    "torchvision": "import torchvision_pil",
    "torchvision + draft": "import torchvision_pil",
    "librosa": "import librosa",
    "scikit-learn": "from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer",
    "scikit-learn TfidfVectorizer": "from sklearn.feature_extraction.text import TfidfVectorizer",
}


def import_seconds(statement):
    code = f"import sys, time; sys.path.insert(0, {os.path.join(HERE, '..', 'Tests', 'Interop')!r}); " \
           f"t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def timed(fn, repeats):
    best, result = None, None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        s = time.perf_counter() - t
        best = s if best is None else min(best, s)
    return best, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--biocube", required=True, help="the biocube executable (release build)")
    ap.add_argument("--workdir", default="out/bench-media-libraries")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each side; the best is kept")
    a = ap.parse_args()
    write_corpus(a.workdir)
    out_root = "/dev/shm/biocube-media-bench" if os.path.isdir("/dev/shm") else os.path.join(a.workdir, "out")
    photos = sorted(glob.glob(os.path.join(a.workdir, "images", "*.jpg")))
    sounds = sorted(glob.glob(os.path.join(a.workdir, "sounds", "*.wav")))
    texts_file = os.path.join(a.workdir, "texts.txt")
    texts = open(texts_file, encoding="utf-8").read().splitlines()

    imports = {name: import_seconds(s) for name, s in IMPORTS.items()}

    import librosa
    import torchvision_pil
    from PIL import Image
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer

    mean = np.array(torchvision_pil.IMAGENET_MEAN, np.float32)
    std = np.array(torchvision_pil.IMAGENET_STD, np.float32)

    def pillow_pipeline():
        out = []
        for p in photos:
            im = Image.open(p).convert("RGB")
            w, h = im.size
            nw, nh = (224, int(224 * h / w)) if w <= h else (int(224 * w / h), 224)
            im = im.resize((nw, nh), Image.Resampling.BILINEAR)
            left, top = int(round((nw - 224) / 2)), int(round((nh - 224) / 2))
            a = np.asarray(im.crop((left, top, left + 224, top + 224)), np.float32)
            out.append(((a / 255 - mean) / std).transpose(2, 0, 1))
        return out

    transform = torchvision_pil.imagenet_eval(224)

    def torchvision_pipeline():
        return [transform(Image.open(p).convert("RGB")).numpy() for p in photos]

    small = torchvision_pil.imagenet_eval(64)

    def torchvision_draft_pipeline():
        out = []
        for p in photos:
            im = Image.open(p)
            im.draft("RGB", (64, 64))
            out.append(small(im.convert("RGB")).numpy())
        return out

    def librosa_pipeline():
        out = []
        for p in sounds:
            y, _ = librosa.load(p, sr=16000)
            mel = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=64)
            logmel = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80)
            out.append((logmel, librosa.feature.mfcc(S=logmel, n_mfcc=20)))
        return out

    def sklearn_pipeline():
        pipe = [HashingVectorizer(n_features=512, ngram_range=(1, 2), alternate_sign=False, norm=None),
                TfidfTransformer(sublinear_tf=True)]
        return pipe[1].fit_transform(pipe[0].fit_transform(texts))

    def sklearn_vocabulary_pipeline():
        return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)

    def biocube(*args, name=None):
        out = os.path.join(out_root, name or args[0])
        def run():
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run([a.biocube, "preprocess", *args, "--out", out], check=True, stdout=subprocess.DEVNULL)
            return out
        return run

    # Warm both sides once (page cache, lazy library initialisation), then time.
    torchvision_pipeline(); librosa.load(sounds[0], sr=16000)
    lib = {
        "Pillow": timed(pillow_pipeline, a.repeats),
        "torchvision": timed(torchvision_pipeline, a.repeats),
        "torchvision + draft": timed(torchvision_draft_pipeline, a.repeats),
        "librosa": timed(librosa_pipeline, a.repeats),
        "scikit-learn": timed(sklearn_pipeline, a.repeats),
        "scikit-learn TfidfVectorizer": timed(sklearn_vocabulary_pipeline, a.repeats),
    }
    ours = {
        "image": timed(biocube("image", *photos, "--preset", "torchvision", "--size", "224"), a.repeats),
        "image64": timed(biocube("image", *photos, "--preset", "torchvision", "--size", "64", "--jpeg-draft", name="image64"),
                         a.repeats),
        "audio": timed(biocube("audio", *sounds, "--preset", "librosa"), a.repeats),
        "text": timed(biocube("text", texts_file, "--dimension", "512"), a.repeats),
    }
    ours1 = {
        "image": timed(biocube("image", *photos, "--preset", "torchvision", "--size", "224", "--threads", "1"), 1),
        "image64": timed(biocube("image", *photos, "--preset", "torchvision", "--size", "64", "--jpeg-draft",
                                 "--threads", "1", name="image64"), 1),
        "audio": timed(biocube("audio", *sounds, "--preset", "librosa", "--threads", "1"), 1),
        "text": timed(biocube("text", texts_file, "--dimension", "512", "--threads", "1"), 1),
    }

    # Equal results: every photo and sound against the library's own output.
    worst_levels = max(
        (np.abs(np.load(os.path.join(ours["image"][1], os.path.basename(p)[:-4] + ".npy")) - t).max() * std.min() * 255)
        for p, t in zip(photos, lib["torchvision"][1]))
    worst_levels = max(worst_levels, max(
        (np.abs(np.load(os.path.join(ours["image64"][1], os.path.basename(p)[:-4] + ".npy")) - t).max() * std.min()
         * 255) for p, t in zip(photos, lib["torchvision + draft"][1])))
    worst_db, worst_mfcc = 0.0, 0.0
    for p, (logmel, mfcc) in zip(sounds, lib["librosa"][1]):
        stem = os.path.join(ours["audio"][1], os.path.basename(p)[:-4])
        worst_db = max(worst_db, float(np.abs(np.load(stem + ".logmel.npy") - logmel).max()))
        worst_mfcc = max(worst_mfcc, float(np.abs(np.load(stem + ".mfcc.npy") - mfcc).max()))
    shutil.rmtree(out_root, ignore_errors=True)

    print(f"species media vs the libraries (same run, best of {a.repeats}; {os.cpu_count()} cores)")
    print("| kind | files | library | library s | BioCube s (all cores) | BioCube s (1 core) | ratio | target | "
          "library import s |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = [("photos → 224", len(photos), "Pillow", "image", 2), ("photos → 224", len(photos), "torchvision", "image", 2),
            ("photos → 64, JPEG draft", len(photos), "torchvision + draft", "image64", 2),
            ("sounds (5 s)", len(sounds), "librosa", "audio", 2), ("texts", len(texts), "scikit-learn", "text", 3),
            ("texts", len(texts), "scikit-learn TfidfVectorizer", "text", 3)]
    checks = []
    for kind, n, name, key, target in rows:
        ratio = lib[name][0] / ours[key][0]
        print(f"| {kind} | {n} | {name} | {lib[name][0]:.3f} | {ours[key][0]:.3f} | {ours1[key][0]:.3f} | "
              f"{ratio:.2f}× | ≥ {target}× | {imports[name]:.2f} |")
        checks.append((f"{kind} ≥ {target}× {name}", ratio >= target))
    print()
    print(f"outputs: photos within {worst_levels:.3f} 8-bit levels of torchvision; log-mel within {worst_db:.2e} dB, "
          f"MFCC within {worst_mfcc:.2e} of librosa")
    for name, ok in checks:
        print(("met     " if ok else "MISSED  ") + name)
    assert worst_levels <= 1.001 and worst_db <= 0.01 and worst_mfcc <= 0.05, "outputs outside the tolerances"


if __name__ == "__main__":
    main()
