#!/usr/bin/env bash
# The virtualenv of the Python client tests (tests/python/): the official `elasticsearch` client
# from PyPI. Kept under node_modules/.cache (ignored by git, rebuilt when missing or when
# tests/python/requirements.txt changes); prints the venv's python. Fails loudly when pip cannot
# install, so the test command never skips the Python client quietly.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="node_modules/.cache/edge-token-python"
stamp="$venv/requirements.txt"
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/python/requirements.txt "$stamp"; then
  printf '[python-env] creating %s\n' "$venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" || { echo "python-env: python3 -m venv failed (install python3-venv)" >&2; exit 1; }
  if ! "$venv/bin/pip" install --quiet -r tests/python/requirements.txt >&2; then
    rm -rf "$venv"
    echo "python-env: pip could not install tests/python/requirements.txt" >&2
    exit 1
  fi
  cp tests/python/requirements.txt "$stamp"
fi
printf '%s\n' "$PWD/$venv/bin/python"
