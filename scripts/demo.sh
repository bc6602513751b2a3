#!/usr/bin/env bash
# The main job on a fresh machine: set up, then let the shipped model grasp held-out objects closed loop
# (and the open-loop baseline), with a JSON summary, a PNG plot and the run's bags under runs/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/grasp demo "$@"
