"""Folder contents for byte-for-byte comparisons of what two runs wrote."""
import os


def tree(path):
    """Every file under `path`: relative path → bytes."""
    out = {}
    for dirpath, _, files in os.walk(path):
        for f in files:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, path)] = open(p, "rb").read()
    return out


def temporaries(path):
    """Temporary files and folders (BioCube's `.….tmp` names) left under `path`."""
    return sorted(os.path.relpath(os.path.join(d, f), path)
                  for d, dirs, files in os.walk(path) for f in files + dirs if f.endswith(".tmp"))
