#!/usr/bin/env bash
# The project's whole test run (the README's test command; .ci/run runs exactly this).
#   1. machine set-up: Debian build and verify dependencies (apt-get), npm ci
#   2. lint, type-check, action.yml and dist/ up to date
#   3. unit tests (jest)
#   4. end to end: build one real PostgreSQL version from Debian's source, verify it (ELF audit,
#      empty root, initdb conformance, walredo suite), publish to the fake GitHub API, fetch and run.
# Expensive downloads and builds are cached under $PG_BUNDLE_CACHE (default ~/.cache/pg-bundle).
set -uo pipefail
cd "$(dirname "$0")/.."

E2E_VERSION="${PG_BUNDLE_E2E_VERSION:-15}"
export PG_BUNDLE_CACHE="${PG_BUNDLE_CACHE:-$HOME/.cache/pg-bundle}"
results="$(mktemp -d)"
status=0

step() { echo; echo "=== $* ==="; }

step "machine set-up"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
# Everything build and verify need (the list `pg-bundle doctor` checks, from the committed dist/),
# plus tools the tests use.
packages="$(node bin/pg-bundle.js doctor --print-packages | sed -n 's/^packages=//p')"
[ -n "$packages" ] || { echo "pg-bundle doctor --print-packages printed no packages"; exit 1; }
# shellcheck disable=SC2086 # $packages is a list of words
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages git file >/dev/null \
  || { $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  $packages git file >/dev/null; } || exit 1
npm ci --no-audit --no-fund --loglevel=error || exit 1
node bin/pg-bundle.js doctor || exit 1

step "lint and type-check"
npm run -s lint || status=1
npm run -s typecheck || status=1

step "dist/ and action.yml are up to date"
npm run -s package >/dev/null 2>&1 || status=1
if ! git diff --quiet -- dist action.yml; then
  echo "dist/ or action.yml is stale: run 'npm run package && npm run gen:action' and commit the result"
  git diff --stat -- dist action.yml
  status=1
fi

step "unit tests"
npx jest --ci --json --outputFile="$results/unit.json" || status=1

step "end to end, part 1: the README's main job on PostgreSQL $E2E_VERSION (build, verify, publish and pin-bump in dry-run)"
e2e_parent="$(mktemp -d /tmp/pg-bundle-e2e.XXXXXX)"
chmod 755 "$e2e_parent"
E2E_OUT="$e2e_parent/out"
main_job=0
if node bin/pg-bundle.js run --pg "$E2E_VERSION" --source 'debian:postgresql-{v}' --out "$E2E_OUT" --dry-run; then
  main_job=1
else
  status=1
fi

step "end to end, part 2: tests on the built bundle (static ELF, initdb, verify failure cases, walredo, publish to the fake GitHub API and fetch)"
if [ -f "$E2E_OUT/manifest.json" ]; then
  PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE="$E2E_OUT" PG_BUNDLE_E2E_VERSION="$E2E_VERSION" \
    npx jest --ci --runInBand test/e2e --json --outputFile="$results/e2e.json" || status=1
else
  echo "no bundle was built: end-to-end tests not run"
fi

step "summary"
MAIN_JOB="$main_job" node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
for (const f of process.argv.slice(1)) {
  if (!fs.existsSync(f)) { failed++; console.log(`missing results: ${f}`); continue; }
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0); skipped += r.numPendingTests;
}
const mainJob = process.env.MAIN_JOB === "1";
if (mainJob) passed++; else { failed++; console.log("the main job (pg-bundle run) failed"); }
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results/unit.json" "$results/e2e.json"
exit $status
