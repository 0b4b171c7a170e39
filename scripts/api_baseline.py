#!/usr/bin/env python3
"""The public API of every library product against its committed baseline.

    python3 scripts/api_baseline.py --check    # make docs (and so make test): report changes
    python3 scripts/api_baseline.py --write    # accept the current API deliberately

The public symbol graphs (`swift package dump-symbol-graph`, as scripts/build_docs.py makes
them) are reduced to one line per public or open declaration — its kind, its path and its
declaration as the compiler prints it — and one per protocol conformance, including
extensions of other modules' types (`Module@Other.symbols.json`). `Documentation/API/<Target>.txt` holds the accepted lines.
`--check` prints every addition (+) and removal (−) per product and exits 1 if there is any,
so no public API changes by accident: a deliberate change is accepted with `--write` and
committed with the code (the diff of those files is the API review).
"""
import argparse
import glob
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASELINE = ROOT / "Documentation" / "API"
sys.path.insert(0, str(ROOT / "scripts"))
from build_docs import TARGETS, symbol_graph_dir  # noqa: E402


def declarations(target: str, graphs: pathlib.Path) -> list[str]:
    """`kind path: declaration` for each public/open symbol of `target` (sorted, unique)."""
    lines = set()
    files = [graphs / f"{target}.symbols.json"] + sorted(pathlib.Path(p) for p in glob.glob(str(graphs / f"{target}@*.symbols.json")))
    for f in files:
        if not f.exists():
            continue
        graph = json.loads(f.read_text())
        names = {}
        for s in graph["symbols"]:
            # Members a protocol's default implementation gives a type ("SYNTHESIZED") are the
            # protocol's API, tracked through the conformance below.
            if s.get("accessLevel") not in ("public", "open") or "::SYNTHESIZED::" in s["identifier"]["precise"]:
                continue
            names[s["identifier"]["precise"]] = ".".join(s["pathComponents"])
            declaration = "".join(x["spelling"] for x in s.get("declarationFragments", []))
            extended = f.stem.split("@")[1].split(".")[0] if "@" in f.stem else None
            path = ".".join(s["pathComponents"])
            where = f" (extends {extended})" if extended else ""
            lines.add(f"{s['kind']['identifier'].removeprefix('swift.')} {path}{where}: {' '.join(declaration.split())}")
        for r in graph.get("relationships", []):
            if r["kind"] == "conformsTo" and r["source"] in names:
                target_name = r.get("targetFallback") or names.get(r["target"]) or r["target"]
                lines.add(f"conformance {names[r['source']]}: {target_name}")
    return sorted(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    parser.add_argument("--graphs", help="a symbol-graph folder already dumped (default: dump one)")
    parser.add_argument("--baseline", default=str(BASELINE), help="the folder of accepted API lists")
    args = parser.parse_args()
    baseline = pathlib.Path(args.baseline)
    graphs = pathlib.Path(args.graphs) if args.graphs else symbol_graph_dir()
    baseline.mkdir(parents=True, exist_ok=True)
    changed = 0
    for target in TARGETS:
        current = declarations(target, graphs)
        if not current:
            print(f"api: {target}: no public symbols in {graphs} (was the symbol graph dumped?)")
            return 1
        path = baseline / f"{target}.txt"
        if args.write:
            path.write_text("\n".join(current) + "\n")
            print(f"api: {target}: {len(current)} public declarations written to {path}")
            continue
        accepted = path.read_text().splitlines() if path.exists() else []
        added = sorted(set(current) - set(accepted))
        removed = sorted(set(accepted) - set(current))
        if added or removed:
            changed += 1
            print(f"api: {target}: {len(added)} added, {len(removed)} removed against {path}")
            for line in removed:
                print(f"  − {line}")
            for line in added:
                print(f"  + {line}")
        else:
            print(f"api: {target}: {len(current)} public declarations, as in the baseline")
    if changed:
        print("api: the public API changed; if that is deliberate, run `python3 scripts/api_baseline.py --write` "
              "and commit Documentation/API with the change")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
