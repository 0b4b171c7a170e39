#!/usr/bin/env python3
"""Public-surface report of the library products: declarations marked `public` or `open`
per 1 000 code lines (Documentation/PublicAPI.md states the policy).

Counts the code lines of the targets of each library product in Package.swift (blank lines
and `//` comment lines are not code; package-only targets and executables are not
products) and every declaration that carries a `public`/`open` modifier. A report for
orientation, not a gate: what gates the public API is the symbol-graph baseline
(`scripts/api_baseline.py --check`), which a reformatting cannot move. With `--limit N` it
exits 1 above N per 1 000, listing the densest files.

    python3 scripts/public_surface.py [--limit N]
"""
import argparse
import pathlib
import re
import sys

DECLARATION = re.compile(r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:(?:nonisolated|final|static|class|override|convenience|required|mutating|indirect)\s+)*(?:public|open)\b(?!\s*\()(?!\s+import\b)")
LIBRARY = re.compile(r'\.library\(\s*name:\s*"([^"]+)"[^)]*?targets:\s*\[([^\]]*)\]', re.S)


def product_targets(root: pathlib.Path) -> list[str]:
    """The targets of the library products, in Package.swift's order."""
    out: list[str] = []
    for _, targets in LIBRARY.findall((root / "Package.swift").read_text(encoding="utf-8")):
        out += [t for t in re.findall(r'"([^"]+)"', targets) if t not in out]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, help="fail above this many public declarations per 1 000 code lines")
    parser.add_argument("--root", default=pathlib.Path(__file__).resolve().parent.parent, type=pathlib.Path)
    args = parser.parse_args()

    per_target: dict[str, tuple[int, int]] = {}
    per_file: list[tuple[int, str]] = []
    for target in product_targets(args.root):
        lines = public = 0
        for path in sorted((args.root / "Sources" / target).rglob("*.swift")):
            code = [line for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.strip().startswith("//")]
            count = sum(1 for line in code if DECLARATION.match(line))
            lines += len(code)
            public += count
            per_file.append((count, str(path.relative_to(args.root))))
        if lines:
            per_target[target] = (public, lines)

    total_public = sum(p for p, _ in per_target.values())
    total_lines = sum(n for _, n in per_target.values())
    density = 1000.0 * total_public / max(total_lines, 1)
    for name, (public, lines) in per_target.items():
        print(f"  {name:<20} {public:>5} public in {lines:>6} code lines  ({1000.0 * public / lines:5.1f} per 1 000)")
    print(f"products: {total_public} public declarations in {total_lines} code lines = {density:.1f} per 1 000"
          + (f" (limit {args.limit:g})" if args.limit is not None else " (report; the API baseline gates changes)"))
    if args.limit is not None and density > args.limit:
        print("densest files:")
        for count, path in sorted(per_file, reverse=True)[:15]:
            print(f"  {count:>4}  {path}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
