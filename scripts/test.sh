#!/usr/bin/env bash
# Install oint with its test tools into .venv (once), lint and type-check it, run the test suite.
source "$(dirname "$0")/_venv.sh"
ruff check src tests bench
mypy
python -m pytest -q "$@"
