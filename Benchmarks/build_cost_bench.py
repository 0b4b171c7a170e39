"""make bench: what depending on BioCube costs a user's build — a clean release build of a
small outside app that depends on (a) the BioCubeBatch product only and (b) the BioCube
umbrella, each in a fresh scratch folder (dependencies resolved first, not timed).

Targets (issue #29, this machine, 2 cores): (a) < 60 s, (b) < 150 s.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The same ten lines against either product: open a store, count its windows.
BODY = """
let args = CommandLine.arguments
let store = args.count > 1 ? args[1] : "cube.zarr"
do {
    let sampler = try BatchSampler(storePath: store)
    print("\\(sampler.count) windows")
} catch let e as BioCubeError {
    print(e)
}
"""

# product: (its imports, target seconds)
APPS = {
    "BioCubeBatch": ("import BioCubeBatch\nimport BioCubeCore\n", 60),
    "BioCube": ("import BioCube\n", 150),
}


def package_swift(product):
    return f"""// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "app",
    dependencies: [.package(name: "BioCube", path: {str(ROOT)!r})],
    targets: [
        .executableTarget(name: "app", dependencies: [.product(name: "{product}", package: "BioCube")]),
    ]
)
""".replace("'", '"')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", nargs="*", default=list(APPS))
    a = ap.parse_args()
    rows = []
    for product in a.products:
        imports, target = APPS[product]
        source = imports + BODY
        with tempfile.TemporaryDirectory(prefix="biocube-build-cost-") as d:
            app = pathlib.Path(d) / "app"
            (app / "Sources" / "app").mkdir(parents=True)
            (app / "Package.swift").write_text(package_swift(product))
            (app / "Sources" / "app" / "main.swift").write_text(source)
            scratch = pathlib.Path(d) / "scratch"
            subprocess.run(["swift", "package", "--package-path", app, "--scratch-path", scratch, "resolve"],
                           check=True, capture_output=True)
            t = time.perf_counter()
            build = subprocess.run(["swift", "build", "-c", "release", "--package-path", app, "--scratch-path", scratch],
                                   capture_output=True, text=True)
            seconds = time.perf_counter() - t
            if build.returncode != 0:
                raise SystemExit(f"build of the {product} app failed:\n{build.stderr}{build.stdout}")
            rows.append((product, seconds, target))
    print(f"clean release build of an outside app ({os.cpu_count()} cores)")
    print("| app depends on | seconds | target |")
    print("|---|---|---|")
    for product, seconds, target in rows:
        print(f"| `{product}` | {seconds:.1f} | < {target} |")
    print()
    for product, seconds, target in rows:
        print(("met     " if seconds < target else "MISSED  ") + f"{product}: {seconds:.1f} s (target < {target} s)")


if __name__ == "__main__":
    main()
