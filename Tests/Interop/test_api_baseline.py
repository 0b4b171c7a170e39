"""scripts/api_baseline.py: the committed API baseline matches the code, and a changed
public API is reported line by line (an addition and a removal planted in a copy)."""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "api_baseline.py")


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], cwd=ROOT, capture_output=True, text=True, timeout=1800)


def test_baseline_matches_and_changes_are_reported(tmp_path):
    ok = run("--check")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    graphs = next(p for p in (os.path.join(ROOT, ".build", d, "symbolgraph") for d in os.listdir(os.path.join(ROOT, ".build")))
                  if os.path.isdir(p))
    copy = tmp_path / "API"
    shutil.copytree(os.path.join(ROOT, "Documentation", "API"), copy)
    media = copy / "BioCubeMedia.txt"
    lines = media.read_text().splitlines()
    removed = next(line for line in lines if "ImageOptions.jpegDraft" in line)
    media.write_text("\n".join([line for line in lines if line != removed] + ["struct Gone: struct Gone"]) + "\n")
    changed = run("--check", "--graphs", graphs, "--baseline", str(copy))
    assert changed.returncode == 1
    assert "BioCubeMedia: 1 added, 1 removed" in changed.stdout
    assert f"  + {removed}" in changed.stdout and "  − struct Gone: struct Gone" in changed.stdout
    assert "api_baseline.py --write" in changed.stdout
