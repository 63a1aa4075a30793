#!/usr/bin/env python3
"""Checks that every repository path cited in the docs exists.

Extracts path-like tokens (a/b.ext, dir/, file.ext with a known source extension) from
docs/*.md, README.md and benchmarks/README.md and reports those that name no file or folder of
the repository. A token is resolved against the repository root, the citing file's folder,
include/ (for "ember/..." include paths), include/ember/ and src/ (for "cpu/gemm.h"-style
internal includes and layer folders); a bare file name must be the name of some tracked file.
Paths under build*/ are build outputs and are skipped.
Run from anywhere (scripts/test.sh runs it); exits 1 when a cited path is missing.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXT = r"(?:cpp|h|cu|cuh|def|md|py|txt|json|cmake|sh|yml|yaml)"
TOKEN = re.compile(r"(?<![\w./:-])((?:\.\./|\.?/)?(?:[\w.+-]+/)*[\w+-][\w.+-]*\." + EXT + r"|(?:[\w.+-]+/)+)(?![\w/])")


# Tokens that look like paths but name no file of ember: another project's file, files that a
# build or a script writes, and prose or shell that merely matches the pattern.
NOT_PATHS = {
    "derivatives.yaml": "PyTorch's table of derivatives, cited as PyTorch's",
    "torch/torch.h": "libtorch's umbrella header, cited as libtorch's (docs/porting.md)",
    "emberConfig.cmake": "written by cmake --install",
    "gpu_bench.json": "written by scripts/gpu_check.sh",
    "summary.json": "written by scripts/gpu_check.sh",
    "c.h": "the dot product c . h in the RBM energy (docs/models.md)",
    "NaN/+Inf/": "prose: NaN/+Inf/-Inf",
    "HOME/": "shell: $HOME/.local",
}


def tracked_paths():
    out = subprocess.run(["git", "-C", ROOT, "ls-files"], capture_output=True, text=True, check=True).stdout
    return out.split()


def exists(token, doc_dir, paths):
    if "/" not in token.rstrip("/"):
        if token.endswith("/"):  # a folder named alone: some tracked file must lie in a folder of that name
            return any(p.startswith(token) or "/" + token in p for p in paths)
        if token in {os.path.basename(p) for p in paths}:
            return True
    t = token.lstrip("/")
    for base in (doc_dir, ROOT, os.path.join(ROOT, "include"), os.path.join(ROOT, "include", "ember"),
                 os.path.join(ROOT, "src")):
        if os.path.exists(os.path.join(base, t)):
            return True
    return False


def main():
    docs = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    docs += [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "benchmarks", "README.md")]
    paths = tracked_paths()
    missing = []
    for doc in docs:
        if not os.path.exists(doc):
            continue
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        for lineno, line in enumerate(text.splitlines(), 1):
            for m in TOKEN.finditer(line):
                token = m.group(1)
                if token.startswith(("http", "www.")) or "://" in line[max(0, m.start() - 12) : m.start() + 3]:
                    continue
                if "*" in token or "<" in token or token.startswith(("build", "$")):
                    continue
                if token in NOT_PATHS:
                    continue
                if not exists(token, os.path.dirname(doc), paths):
                    missing.append(f"{os.path.relpath(doc, ROOT)}:{lineno}: {token}")
    for m in missing:
        print(m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
