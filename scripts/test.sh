#!/usr/bin/env bash
# Install oint with its test tools into .venv (once) and run the whole test suite.
source "$(dirname "$0")/_venv.sh"
python -m pytest -q "$@"
