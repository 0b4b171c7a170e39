"""Builds libBioCubeC with the Swift toolchain and ships it inside the package.

`pip install ./python` and `python -m pip wheel ./python` run `swift build -c release
--product BioCubeC` in the repository (the folder above this one), then bundle the Swift
runtime libraries it links (found with ldd under the toolchain) beside it and set every
bundled library's RUNPATH to `$ORIGIN` (patchelf), so the package loads without the
toolchain: its library folder is neither on the loader path nor in any RUNPATH. (Linking
the runtime statically is not possible yet: Foundation's static networking library is
incomplete on Linux, and BioCubeCore still links FoundationNetworking.)
BIOCUBE_PREBUILT_LIBRARY=/path/libBioCubeC.so skips the build.
"""
import os
import pathlib
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools
    from wheel.bdist_wheel import bdist_wheel

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parent
SCRATCH = REPOSITORY / ".build-wheel"


def native_library() -> pathlib.Path:
    given = os.environ.get("BIOCUBE_PREBUILT_LIBRARY")
    if given:
        path = pathlib.Path(given)
        if not path.exists():
            raise SystemExit(f"BIOCUBE_PREBUILT_LIBRARY={given}: no such file")
        return path
    if not (REPOSITORY / "Package.swift").exists():
        raise SystemExit(f"biocube: building the native library needs the BioCube repository around {HERE}")
    swift = shutil.which("swift")
    if swift is None:
        raise SystemExit("biocube: building the native library needs the Swift toolchain (swift) on PATH")
    command = [swift, "build", "-c", "release", "--product", "BioCubeC",
               "--package-path", str(REPOSITORY), "--scratch-path", str(SCRATCH)]
    print("biocube: " + " ".join(command), flush=True)
    subprocess.run(command, check=True)
    return SCRATCH / "release" / "libBioCubeC.so"


def toolchain_libraries() -> pathlib.Path:
    """The Swift runtime folder of the toolchain on PATH (usr/lib/swift/linux)."""
    swift = shutil.which("swift")
    if swift is None:
        raise SystemExit("biocube: bundling the Swift runtime needs the toolchain (swift) on PATH")
    return (pathlib.Path(os.path.realpath(swift)).parent.parent / "lib" / "swift" / "linux").resolve()


def bundle(library: pathlib.Path, target: pathlib.Path) -> list:
    """Copies `library` and the toolchain libraries it loads into `target`, RUNPATH $ORIGIN."""
    runtime = toolchain_libraries()
    listing = subprocess.run(["ldd", str(library)], check=True, capture_output=True, text=True).stdout
    copied = [target / "libBioCubeC.so"]
    shutil.copy2(library, copied[0])
    for line in listing.splitlines():
        parts = line.split("=>")
        if len(parts) != 2:
            continue
        path = parts[1].strip().split(" (")[0].strip()
        if path and pathlib.Path(path).resolve().is_relative_to(runtime):
            destination = target / pathlib.Path(path).name
            shutil.copy2(pathlib.Path(path).resolve(), destination)
            copied.append(destination)
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        raise SystemExit("biocube: bundling needs patchelf (Debian: apt-get install patchelf; make deps installs it)")
    for path in copied:
        path.chmod(0o755)
        subprocess.run([patchelf, "--set-rpath", "$ORIGIN", str(path)], check=True)
    return copied


class BuildWithNative(build_py):
    def run(self):
        super().run()
        target = pathlib.Path(self.build_lib) / "biocube" / "_lib"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        bundled = bundle(native_library(), target)
        print(f"biocube: bundled {', '.join(p.name for p in bundled)}", flush=True)
        shutil.copy2(REPOSITORY / "Sources" / "BioCubeC" / "biocube.h", target / "biocube.h")


class NativeDistribution(Distribution):
    def has_ext_modules(self):
        return True  # a platform wheel: it carries a native library


class PlatformWheel(bdist_wheel):
    def get_tag(self):
        # Loaded with ctypes: any Python 3 on this platform, no CPython ABI.
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(distclass=NativeDistribution, cmdclass={"build_py": BuildWithNative, "bdist_wheel": PlatformWheel})
