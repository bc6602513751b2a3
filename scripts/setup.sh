#!/usr/bin/env bash
# Creates .venv and installs, from the hashed lock in requirements/, what the packages need, then the
# packages themselves (editable, --no-deps). Does nothing when .venv already matches (see the stamp below),
# so a second run needs no network.
#   scripts/setup.sh            runtime: simulation, servo, ONNX inference, bags, plots (requirements/runtime.lock)
#   scripts/setup.sh --dev      + training (PyTorch 2.13.0 CPU, onnxscript), tests, ruff, pip-tools (dev.lock)
# Environment:
#   PYTHON             interpreter for a new .venv (default python3; the lock is for CPython 3.11, Linux x86_64)
#   GRASP_TORCH_INDEX  where --dev takes the CPU build of torch (default https://download.pytorch.org/whl/cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
TORCH_INDEX="${GRASP_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
case "${1:-}" in
  "") MODE=runtime ;;
  --dev) MODE=dev ;;
  *) echo "usage: scripts/setup.sh [--dev]" >&2; exit 2 ;;
esac

# The stamp holds a hash of everything the environment is built from (lock files, torch pin, every
# setup.py, this script, the venv's Python, and this checkout's path: a .venv copied or moved from another
# checkout still runs that checkout's packages and scripts, so it is set up again) and the mode. A dev
# environment also satisfies a runtime setup: dev.lock keeps every pin of runtime.lock.
STAMP=.venv/grasp-setup.stamp
INPUTS=(requirements/runtime.lock requirements/dev.lock requirements/torch.txt src/*/setup.py scripts/setup.sh)
fingerprint() {
  .venv/bin/python -c '
import hashlib, os, sys
h = hashlib.sha256(sys.version.encode() + b"\0" + os.getcwd().encode())
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        h.update(path.encode() + b"\0" + f.read() + b"\0")
print(h.hexdigest())' "${INPUTS[@]}"
}
if [[ -x .venv/bin/python && -f "$STAMP" ]]; then
  read -r stamp_hash stamp_mode _ < "$STAMP" || true
  if [[ "${stamp_hash:-}" == "$(fingerprint 2>/dev/null || true)" && ( "$MODE" == runtime || "${stamp_mode:-}" == dev ) ]]; then
    echo "[setup] skipped: .venv already matches the lock ($stamp_mode; inputs unchanged since the last setup)"
    exit 0
  fi
fi

if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed")'
  echo "[setup] creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
rm -f "$STAMP"
pip_install() {
  # Quiet, with two kinds of noise dropped and nothing else: setuptools' ten-line "Editable installation"
  # notice for each of our packages, and, where pip's configuration names local file:// indexes that hold
  # only some projects, pip's warning for each project missing there.
  .venv/bin/python -W "ignore:Editable installation" -m pip install -q --disable-pip-version-check "$@" \
    2> >(grep -v -e 'is ignored: it is neither a file nor a directory' >&2)
}

echo "[setup] installing the pinned $MODE dependencies (requirements/$MODE.lock, hashes checked)"
pip_install --require-hashes -r "requirements/$MODE.lock"
if [[ "$MODE" == dev ]]; then
  # torch is pinned outside the hashed lock (see requirements/torch.txt); its dependencies came from dev.lock.
  # One retry and a 30 s timeout: where that index cannot be reached, pip goes on at once with its other
  # sources (find-links) instead of retrying five times.
  echo "[setup] installing torch (CPU build, requirements/torch.txt) from $TORCH_INDEX"
  pip_install --no-deps --retries 1 --timeout 30 --index-url "$TORCH_INDEX" -r requirements/torch.txt
fi
echo "[setup] installing the grasp packages (editable, --no-deps)"
EDITABLES=()
for setup_py in src/*/setup.py; do EDITABLES+=(-e "${setup_py%/setup.py}"); done
pip_install --no-deps --no-build-isolation "${EDITABLES[@]}"
if ! check=$(.venv/bin/python -m pip check 2>&1); then
  echo "$check" >&2
  echo "[setup] a package needs something the lock lacks: run scripts/lock.sh, then scripts/setup.sh again" >&2
  exit 1
fi
echo "$(fingerprint) $MODE" > "$STAMP"
echo "[setup] done ($MODE): .venv/bin/grasp --help"
