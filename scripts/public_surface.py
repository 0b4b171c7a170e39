#!/usr/bin/env python3
"""Public-surface density of the library targets: declarations marked `public` or `open`
per 1 000 lines of library source (Documentation/PublicAPI.md states the policy).

Counts every line of `Sources/<library>/**/*.swift` (the `biocube` command line is not a
library) and every declaration that carries a `public`/`open` modifier (enum cases count
with their enum). Exits 1 when the density exceeds the limit, listing the densest files.

    python3 scripts/public_surface.py [--limit 40]
"""
import argparse
import pathlib
import re
import sys

DECLARATION = re.compile(r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:(?:nonisolated|final|static|class|override|convenience|required|mutating|indirect)\s+)*(?:public|open)\b(?!\s*\()(?!\s+import\b)")
NOT_LIBRARIES = {"biocube"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=40.0, help="maximum public declarations per 1 000 lines")
    parser.add_argument("--root", default=pathlib.Path(__file__).resolve().parent.parent, type=pathlib.Path)
    args = parser.parse_args()

    per_target: dict[str, tuple[int, int]] = {}
    per_file: list[tuple[int, str]] = []
    for target in sorted((args.root / "Sources").iterdir()):
        if not target.is_dir() or target.name in NOT_LIBRARIES:
            continue
        lines = public = 0
        for path in sorted(target.rglob("*.swift")):
            text = path.read_text(encoding="utf-8").splitlines()
            count = sum(1 for line in text if DECLARATION.match(line))
            lines += len(text)
            public += count
            per_file.append((count, str(path.relative_to(args.root))))
        if lines:
            per_target[target.name] = (public, lines)

    total_public = sum(p for p, _ in per_target.values())
    total_lines = sum(n for _, n in per_target.values())
    density = 1000.0 * total_public / max(total_lines, 1)
    for name, (public, lines) in per_target.items():
        print(f"  {name:<20} {public:>5} public in {lines:>6} lines  ({1000.0 * public / lines:5.1f} per 1 000)")
    print(f"library total: {total_public} public declarations in {total_lines} lines = {density:.1f} per 1 000 (limit {args.limit:g})")
    if density > args.limit:
        print("densest files:")
        for count, path in sorted(per_file, reverse=True)[:15]:
            print(f"  {count:>4}  {path}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
