#!/usr/bin/env bash
# Live cross-checks against the official implementations run under node:
# rs2/ against the real Walrus encoder (@mysten/walrus-wasm), wallet/ and
# suitx/ against the Sui TypeScript SDK (@mysten/sui: keys, signatures,
# transaction bytes), certificate/ against walrus-wasm's BLS and the Walrus
# SDK's message formats (@mysten/walrus, @noble/curves). The package list
# is internal/npmoracle's. Skips, saying so clearly, when node/npm are
# missing or the npm registry cannot be reached; fails on any mismatch.
# UPDATE=1 also rewrites rs2/testdata/vectors.json from the oracle.
set -euo pipefail
cd "$(dirname "$0")/.."
ORACLE_DIR=${ORACLE_DIR:-$PWD/.cache/oracle}
GO=${GO:-go}
pkgs=(@mysten/walrus-wasm@0.3.0 @mysten/sui@2.33.1 @mysten/walrus@1.2.13)

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIPPED live cross-check: node/npm not installed (offline vectors still ran in go test)"
  exit 0
fi
missing=
for p in walrus-wasm sui walrus; do
  [ -f "$ORACLE_DIR/node_modules/@mysten/$p/package.json" ] || missing=1
done
if [ -n "$missing" ]; then
  mkdir -p "$ORACLE_DIR"
  if ! npm install --no-audit --no-fund --prefix "$ORACLE_DIR" "${pkgs[@]}" >"$ORACLE_DIR/npm.log" 2>&1; then
    echo "SKIPPED live cross-check: npm could not install ${pkgs[*]} (registry unreachable?); see $ORACLE_DIR/npm.log"
    exit 0
  fi
fi
args=()
[ "${UPDATE:-}" = 1 ] && args+=(-update-vectors)
echo "live cross-check against ${pkgs[*]} ..."
WALRUSFS_ORACLE="$ORACLE_DIR" "$GO" test -count=1 -timeout 20m -run 'TestCrossCheckLive' -v ./rs2/ ./wallet/ ./certificate/ ./suitx/ ./localnet/node/ ./volkey/ "${args[@]}" \
  | grep -E 'live cross-check|mismatches|^(--- )?(PASS|FAIL|ok)|crosscheck_test' 
exit "${PIPESTATUS[0]}"
