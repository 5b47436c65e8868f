#!/usr/bin/env bash
# Make a separate virtualenv with the peer libraries the benchmarks compare
# against (modAL, scikit-activeml). They are never runtime dependencies of
# activelabel. torch is pinned through a constraints file so that no peer can
# pull an unpinned build; the pinned version installs from a local CPU wheel.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"
"$python" -m venv "$venv"
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
printf 'torch==2.13.0\nscikit-learn==1.9.1\n' > "$constraints"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -c "$constraints" \
    "numpy>=2.4,<2.5" "scikit-learn==1.9.1" "scipy" "pandas" \
    "modAL-python" "scikit-activeml"
# activelabel itself, so peers run through the same harness
# (bench_label_efficiency.py --peers); scikit-learn stays as pinned.
"$venv/bin/pip" install --quiet -c "$constraints" -e "$here/.."
"$venv/bin/python" -c "import modAL, skactiveml; print('peers ready:', skactiveml.__version__)"
