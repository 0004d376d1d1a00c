#!/usr/bin/env bash
# Install oint with its test tools into .venv (once), lint and type-check it, run the test suite.
source "$(dirname "$0")/_venv.sh"
ruff check src tests bench tools
ruff format --check src tests bench tools  # one layout: `ruff format` fixes it
lint-imports  # the layers' contracts ([tool.importlinter] in pyproject.toml)
mypy
python -m pytest -q "$@"
