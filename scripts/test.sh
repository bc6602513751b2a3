#!/usr/bin/env bash
# Sets up the development environment if needed, then runs lint and every package's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
.venv/bin/ruff check src
# ROS 2 tests skip themselves (with the reason) where rclpy is not installed.
.venv/bin/python -m pytest -q -rs "$@" src
