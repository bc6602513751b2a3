#!/usr/bin/env bash
# Creates .venv and installs the six packages (editable) with what they need.
#   scripts/setup.sh            runtime: simulation, servo, ONNX inference, bags, plots
#   scripts/setup.sh --dev      + training (PyTorch CPU 2.13.0, onnxscript) and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
EXTRAS=""
if [[ "${1:-}" == "--dev" ]]; then EXTRAS="dev"; fi

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed")'
if [[ ! -x .venv/bin/python ]]; then
  echo "[setup] creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --disable-pip-version-check -q)
"${PIP[@]}" --upgrade pip setuptools wheel
if [[ "$EXTRAS" == "dev" ]]; then
  # The CPU build of torch: pin it, or pip pulls a CUDA build of several GB.
  echo "[setup] installing training and test tools (torch 2.13.0 CPU, onnxscript, pytest, mcap readers, ruff)"
  "${PIP[@]}" "torch==2.13.0" "onnxscript>=0.5" "pytest>=8" "mcap>=1.2" "mcap-ros2-support>=0.5" "ruff>=0.6"
fi
echo "[setup] installing the grasp packages (editable) and their runtime dependencies"
"${PIP[@]}" -e src/grasp_servo -e src/grasp_perception -e src/grasp_datacollect -e src/grasp_sim -e src/grasp_bringup
echo "[setup] done: .venv/bin/grasp --help"
