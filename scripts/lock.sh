#!/usr/bin/env bash
# Refreshes requirements/runtime.lock and requirements/dev.lock: exact versions with sha256 hashes, compiled by
# pip-tools (pip-compile, pinned in dev.lock) from requirements/*.in, requirements/torch.txt and every
# src/*/setup.py (install_requires; dev adds every extra). Run it after changing any of those, and commit the
# inputs together with both .lock files.
#   scripts/lock.sh                           keep every pin; add or drop only what the inputs changed
#   scripts/lock.sh --upgrade                 move every pin to the newest release the inputs allow
#   scripts/lock.sh --upgrade-package NAME    move one package (repeatable)
# The lock is compiled for CPython 3.11 on Linux x86_64 (environment markers are evaluated for the machine
# that runs this), from PyPI (PIP_INDEX_URL if set; pip's config files are ignored, so that no local wheel
# house adds its own hashes) and torch's CPU build from GRASP_TORCH_INDEX (default
# https://download.pytorch.org/whl/cpu) or, where that cannot be reached, pip's find-links (PIP_FIND_LINKS).
set -euo pipefail
cd "$(dirname "$0")/.."
TORCH_INDEX="${GRASP_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"

scripts/setup.sh --dev   # pip-tools comes from dev.lock
platform=$(.venv/bin/python -c 'import platform, sys; print(f"{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}-{sys.platform}-{platform.machine()}")')
if [[ "$platform" != cpython3.11-linux-x86_64 && "${GRASP_LOCK_ANY_PLATFORM:-}" != 1 ]]; then
  echo "[lock] the lock is compiled for cpython3.11-linux-x86_64, this is $platform; GRASP_LOCK_ANY_PLATFORM=1 overrides" >&2
  exit 1
fi

COMPILE=(env PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND=scripts/lock.sh .venv/bin/pip-compile -q
  --allow-unsafe --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host
  --pip-args "--retries 1 --timeout 30")
echo "[lock] requirements/runtime.lock"
"${COMPILE[@]}" "$@" -o requirements/runtime.lock requirements/runtime.in src/*/setup.py
# The torch index is named as a find-links page for torch alone, so that no other project is taken from it.
# pip fetches that page again for every project it looks up: where it cannot be reached, it is left out
# (one line says so) rather than failing once per project; torch then comes from PIP_FIND_LINKS, and the
# check below refuses a CUDA build.
TORCH_PAGE="${TORCH_INDEX%/}/torch/"
TORCH_LINKS=(--find-links "$TORCH_PAGE")
if ! .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=15)' "$TORCH_PAGE" 2>/dev/null; then
  echo "[lock] $TORCH_PAGE cannot be reached: torch's CPU wheel must come from PIP_FIND_LINKS (${PIP_FIND_LINKS:-unset})"
  TORCH_LINKS=()
fi
echo "[lock] requirements/dev.lock"
"${COMPILE[@]}" "$@" --all-extras "${TORCH_LINKS[@]}" -o requirements/dev.lock requirements/dev.in src/*/setup.py

# Move torch out of dev.lock (requirements/torch.txt pins it; scripts/setup.sh installs it with --no-deps) and
# refuse a resolution that took PyPI's CUDA build (its nvidia-* / triton dependencies).
.venv/bin/python - <<'EOF'
import re
import sys

note = "# Compiled for CPython 3.11 on Linux x86_64: on another platform, see README.md (Reproducible setup).\n"
for path in ("requirements/runtime.lock", "requirements/dev.lock"):
    with open(path) as f:
        text = f.read()
    if path.endswith("dev.lock"):
        cuda = re.findall(r"^((?:nvidia-|triton)[^=\s]*)==", text, flags=re.M)
        if cuda:
            sys.exit(f"[lock] torch resolved to a CUDA build (it pulls {', '.join(cuda[:3])} and {len(cuda) - 3} more): "
                     "the CPU index was not reached; set GRASP_TORCH_INDEX, or PIP_FIND_LINKS to a folder holding "
                     "the CPU wheel, then `git checkout requirements/` and run scripts/lock.sh again")
        block = re.search(r"^torch==(\S+) \\\n(?:[ \t]+.*\n)*", text, flags=re.M)
        if block is None:
            sys.exit("[lock] torch is missing from dev.lock")
        text = text.replace(block.group(0), (
            f"# torch=={block.group(1)} is left out of this hashed lock: requirements/torch.txt pins it and\n"
            "# scripts/setup.sh --dev installs it with --no-deps from the CPU index; its dependencies are above and below.\n"
        ))
    header = "#    scripts/lock.sh\n#\n"
    text = text.replace(header, header + note, 1) if header in text else note + text
    with open(path, "w") as f:
        f.write(text)
EOF
echo "[lock] done: requirements/runtime.lock, requirements/dev.lock (check git diff, then commit them with their inputs)"
