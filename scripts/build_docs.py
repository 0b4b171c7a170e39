#!/usr/bin/env python3
"""Builds the DocC documentation of every library target with warnings as errors.

    python3 scripts/build_docs.py [--output .build/docs] [--targets BioCubeCore …]

For each target: the public symbol graph (`swift package dump-symbol-graph`), then
`docc convert Sources/<T>/<T>.docc --warnings-as-errors` into `<output>/<T>.doccarchive`.
Before converting, checks that the catalog's pages curate every public top-level
declaration of the target (each is named as ``Symbol`` on some page), so no public type is
left out of the topic groups. Exits 1 on any warning or uncurated symbol.
"""
import argparse
import glob
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Library targets with public API (BioCubeSample is package-only: no public symbols).
TARGETS = ["BioCube", "BioCubeCore", "BioCubeTransfer", "BioCubeERA5", "BioCubeIndicators", "BioCubeSpecies", "BioCubeMedia",
           "BioCubeBatch", "BioCubeBuild", "BioCubeViewer"]


def find_docc() -> str:
    for candidate in [shutil.which("docc"), "/opt/swift/usr/bin/docc"]:
        if candidate and os.path.exists(candidate):
            return candidate
    swift = shutil.which("swift")
    if swift:
        near = pathlib.Path(os.path.realpath(swift)).parent / "docc"
        if near.exists():
            return str(near)
    sys.exit("build_docs: no docc found (it ships with the Swift toolchain: usr/bin/docc)")


def symbol_graph_dir() -> pathlib.Path:
    # dump-symbol-graph loads every module of the package, the test bundle's too, and fails
    # on a fresh clone where the tests were never built: build them first (a no-op after
    # `make test` has), so `make docs` works on its own.
    subprocess.run(["swift", "build", "--build-tests"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["swift", "package", "dump-symbol-graph", "--minimum-access-level", "public"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    found = sorted(glob.glob(str(ROOT / ".build" / "*" / "symbolgraph")))
    if not found:
        sys.exit("build_docs: swift package dump-symbol-graph wrote no symbol graphs")
    return pathlib.Path(found[0])


def uncurated(target: str, graphs: pathlib.Path, catalog: pathlib.Path) -> list[str]:
    """Top-level public declarations of `target` that no page of its catalog names."""
    data = json.loads((graphs / f"{target}.symbols.json").read_text())
    names = {s["names"]["title"].split("(")[0] for s in data["symbols"]
             if len(s["pathComponents"]) == 1 and s["accessLevel"] in ("public", "open")}
    text = "\n".join(p.read_text() for p in catalog.rglob("*.md"))
    named = set(re.findall(r"``([A-Za-z_][A-Za-z0-9_]*)", text))
    return sorted(names - named)


CODE_MARKER = re.compile(r"<!-- code: ([^>]+?) -->")
CODE_BLOCK = re.compile(r"^```(swift|python)\n(.*?)^```", re.S | re.M)


def drifted_code(catalog: pathlib.Path) -> list[str]:
    """Code blocks of articles that name their source files (`<!-- code: FILE … -->`) and
    are not, verbatim, in one of those files: such an article is a tutorial whose code is a
    target `make test` builds and runs, and must not drift from it."""
    problems = []
    for article in sorted(catalog.glob("*.md")):
        text = article.read_text(encoding="utf-8")
        marker = CODE_MARKER.search(text)
        if not marker:
            continue
        sources = {}
        for name in marker.group(1).split():
            path = ROOT / name
            if not path.is_file():
                problems.append(f"{article.name}: names {name}, which does not exist")
                continue
            sources[name] = path.read_text(encoding="utf-8")
        for n, (language, code) in enumerate(CODE_BLOCK.findall(text), start=1):
            if not any(code.strip() in source for source in sources.values()):
                first = code.strip().splitlines()[0] if code.strip() else ""
                problems.append(f"{article.name}: {language} block {n} ({first!r}) is not in "
                                f"{' or '.join(sources)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / ".build" / "docs"))
    parser.add_argument("--targets", nargs="*", default=TARGETS)
    args = parser.parse_args()
    docc = find_docc()
    graphs = symbol_graph_dir()
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    failed = []
    for target in args.targets:
        catalog = ROOT / "Sources" / target / f"{target}.docc"
        if not catalog.is_dir():
            print(f"docs: {target}: no catalog at {catalog.relative_to(ROOT)}")
            failed.append(target)
            continue
        drifted = drifted_code(catalog)
        if drifted:
            print(f"docs: {target}: tutorial code differs from the code that is built and run:")
            print("\n".join(f"  {d}" for d in drifted))
            failed.append(target)
            continue
        missing = uncurated(target, graphs, catalog)
        if missing:
            print(f"docs: {target}: public declarations missing from the topic groups: {', '.join(missing)}")
            failed.append(target)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for f in graphs.glob(f"{target}.symbols.json"):
                shutil.copy(f, tmp)
            for f in graphs.glob(f"{target}@*.symbols.json"):
                shutil.copy(f, tmp)
            archive = output / f"{target}.doccarchive"
            result = subprocess.run([docc, "convert", str(catalog), "--additional-symbol-graph-dir", tmp,
                                     "--output-path", str(archive), "--warnings-as-errors",
                                     "--fallback-display-name", target,
                                     "--fallback-bundle-identifier", f"org.biocube.{target}"],
                                    capture_output=True, text=True)
        diagnostics = [line for line in (result.stdout + result.stderr).splitlines() if "warning:" in line or "error:" in line]
        if result.returncode != 0 or diagnostics:
            print(f"docs: {target}: docc failed")
            print("\n".join(diagnostics or (result.stdout + result.stderr).splitlines()[-20:]))
            failed.append(target)
        else:
            print(f"docs: {target}: {archive.relative_to(ROOT) if archive.is_relative_to(ROOT) else archive}")
    if failed:
        print(f"docs: {len(failed)} of {len(args.targets)} catalogs failed: {', '.join(failed)}")
        return 1
    print(f"docs: {len(args.targets)} catalogs built with warnings as errors into {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
