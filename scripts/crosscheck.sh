#!/usr/bin/env bash
# Live cross-check of rs2/ against the real Walrus encoder
# (@mysten/walrus-wasm under node). Skips, saying so clearly, when node/npm
# are missing or the npm registry cannot be reached; fails on any mismatch.
# UPDATE=1 also rewrites rs2/testdata/vectors.json from the oracle.
set -euo pipefail
cd "$(dirname "$0")/.."
ORACLE_DIR=${ORACLE_DIR:-$PWD/.cache/oracle}
GO=${GO:-go}
pkg=@mysten/walrus-wasm@0.3.0

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIPPED live cross-check: node/npm not installed (offline vectors still ran in go test)"
  exit 0
fi
if [ ! -f "$ORACLE_DIR/node_modules/@mysten/walrus-wasm/package.json" ]; then
  mkdir -p "$ORACLE_DIR"
  if ! npm install --no-audit --no-fund --prefix "$ORACLE_DIR" "$pkg" >"$ORACLE_DIR/npm.log" 2>&1; then
    echo "SKIPPED live cross-check: npm could not install $pkg (registry unreachable?); see $ORACLE_DIR/npm.log"
    exit 0
  fi
fi
args=()
[ "${UPDATE:-}" = 1 ] && args+=(-update-vectors)
echo "live cross-check against $pkg ..."
WALRUSFS_ORACLE="$ORACLE_DIR" "$GO" test -count=1 -timeout 20m -run 'TestCrossCheckLive' -v ./rs2/ "${args[@]}" \
  | grep -E 'live cross-check|^(--- )?(PASS|FAIL|ok)|crosscheck_test' 
exit "${PIPESTATUS[0]}"
