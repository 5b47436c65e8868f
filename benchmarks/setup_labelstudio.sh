#!/usr/bin/env bash
# Make a separate virtualenv with Label Studio, which bench_vs_labelstudio.py
# runs side by side with activelabel. It is never a dependency of activelabel.
# The version is pinned so that the comparison is repeatable, and torch is
# pinned through a constraints file so that nothing Label Studio pulls can
# bring an unpinned torch or a CUDA build (Label Studio itself needs neither).
# Prints the virtualenv's size on disk at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-labelstudio"
python="${PYTHON:-python3}"
version="${LABEL_STUDIO_VERSION:-1.23.2}"
"$python" -m venv "$venv"
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
printf 'torch==2.13.0\n' > "$constraints"
"$venv/bin/pip" install --quiet --upgrade pip
echo "installing label-studio==$version into $venv (a few minutes)"
"$venv/bin/pip" install --quiet -c "$constraints" "label-studio==$version"
# (Not `label-studio --version`: that also creates a database in the home folder.)
"$venv/bin/pip" show label-studio | grep '^Version'
if "$venv/bin/pip" show torch >/dev/null 2>&1; then
    echo "error: torch was installed into $venv; Label Studio must not need it." >&2
    exit 1
fi
echo "Label Studio virtualenv: $(du -sh "$venv" | cut -f1) on disk"
