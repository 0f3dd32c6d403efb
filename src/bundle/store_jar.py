"""Rewrites each jar given with its entries stored, not deflated, in the same order (xz then
compresses across the classes of all jars, which deflate per entry cannot)."""
import os
import sys
import zipfile


def store(path):
    tmp = path + ".stored"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info)
            info.compress_type = zipfile.ZIP_STORED
            dst.writestr(info, data)
    os.replace(tmp, path)


for jar in sys.argv[1:]:
    store(jar)
