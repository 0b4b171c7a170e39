"""The tutorial "Build a Cube, Add a Modality, Train from It" works as written: its Swift
steps (the `tutorial` example) build a store with a modality of one's own and compute
statistics, its Python step trains from that store with a real DataLoader, and the
article's code blocks are those files (the check `make docs` runs catches any drift)."""
import math
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "scripts"))
import build_docs  # noqa: E402

ARTICLE = REPOSITORY / "Sources" / "BioCube" / "BioCube.docc" / "BuildACubeAddAModalityTrain.md"


def test_the_tutorial_builds_its_cube_and_trains_from_it(biocube, tmp_path):
    folder = os.environ.get("EXAMPLES")
    tutorial = os.path.join(folder, "tutorial") if folder else None
    if not tutorial or not os.access(tutorial, os.X_OK):
        pytest.fail("set EXAMPLES to the Swift build's bin folder holding the tutorial example (make test does this)")
    root, store, stats = tmp_path / "BioCube", tmp_path / "cube.zarr", tmp_path / "stats.json"
    biocube("sample", root, "--end", "2000-04")
    run = subprocess.run([tutorial, root, store, stats], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr + run.stdout
    assert "complete: true" in run.stdout, run.stdout
    groups = next(line for line in run.stdout.splitlines() if line.startswith("groups: ")).split(": ")[1].split(", ")
    assert len(groups) == 13 and groups[-1] == "terrain_variables" and groups[-2] == "species_variables", groups
    assert "terrain height: shape [2, 161, 281], max 2090.0 m" in run.stdout, run.stdout
    assert stats.exists()

    train = subprocess.run([sys.executable, REPOSITORY / "Examples" / "tutorial" / "train.py", store, stats],
                           capture_output=True, text=True, timeout=900)
    assert train.returncode == 0, train.stderr
    losses = [float(line.split("loss ")[1]) for line in train.stdout.splitlines() if line.startswith("epoch ")]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses), train.stdout


def test_the_article_is_the_code_that_runs(tmp_path):
    assert build_docs.drifted_code(ARTICLE.parent) == []
    catalog = tmp_path / "Tutorial.docc"
    catalog.mkdir()
    text = ARTICLE.read_text()
    assert "<!-- code: " in text and text.count("```swift") >= 4 and "```python" in text
    drifted = text.replace("coverage: .invariant)", "coverage: .steps(first: a, last: b, count: 1))", 1)
    assert drifted != text
    (catalog / ARTICLE.name).write_text(drifted)
    report = build_docs.drifted_code(catalog)
    assert len(report) == 1 and "swift block 1" in report[0] and "Examples/tutorial/main.swift" in report[0], report
    (catalog / ARTICLE.name).write_text(text.replace("<!-- code: Examples/tutorial/main.swift", "<!-- code: Examples/nowhere.swift"))
    assert any("does not exist" in line for line in build_docs.drifted_code(catalog))
