#!/usr/bin/env bash
# tshark's reading of the lab captures into fixtures/lab/expected/ (see expected.py).
#   tests/lab/expected.sh [DIR]      DIR defaults to fixtures/lab; needs tshark, python3
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v tshark >/dev/null || { echo "expected.sh: tshark is missing (tests/lab/install.sh)" >&2; exit 2; }
exec python3 "$here/expected.py" "$@"
