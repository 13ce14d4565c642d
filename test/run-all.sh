#!/usr/bin/env bash
# The project's whole test run (the README's test command; .ci/run runs exactly this).
#   1. machine set-up: Debian build and verify dependencies (apt-get), npm ci
#   2. lint, type-check, action.yml and dist/ up to date
#   3. unit tests (jest)
#   4. end to end: the README's main job on the majors below (default v14, v17, v18; all five with
#      PG_BUNDLE_E2E_VERSIONS=14,15,16,17,18) from real sources into one bundle, verified (ELF audit,
#      empty root, initdb conformance, walredo suite); the end-to-end tests on the newest version
#      (PG_BUNDLE_E2E_EVERY_VERSION=1: on each); compare, the ICU 67.1 pair, a custom rmgr, the
#      Neon-shaped trees, the fork-shaped tree and its reproducibility builds.
# Expensive downloads and builds are cached under $PG_BUNDLE_CACHE (default ~/.cache/pg-bundle).
set -uo pipefail
cd "$(dirname "$0")/.."
run_started=$(date +%s)

# The majors the main job builds, and their sources (upstream v14/v16/v17 from ../shared/sources,
# v15/v18 from Debian). By default the fewest that cover every capability the run proves, so that
# it stays inside CI's time from an empty cache on a slow 2-core machine (a cold compile there took
# 4.3-6.5 min per major on 2026-12-06): v14 (oldest: libc locale provider, the fork's t_cid heap
# records, ICU 67.1 against 72.1), v17 (builtin locale provider, the newest major the storage
# service's fork has: rmgr 134) and v18 (newest: a Debian source, the fork-shaped fixture).
# PG_BUNDLE_E2E_VERSIONS=14,15,16,17,18 runs the README's main job exactly, all five majors.
E2E_VERSIONS="${PG_BUNDLE_E2E_VERSIONS:-14,17,18}"
S=../shared/sources
declare -A SOURCE=(
  [14]="tarball:$S/postgresql-14.23-git-4e1a23c0ea0b.tar.gz" [15]="debian:postgresql-15"
  [16]="tarball:$S/postgresql-16.14-git-0d1c00c624fa.tar.gz" [17]="tarball:$S/postgresql-17_17.11.orig.tar.bz2"
  [18]="debian:postgresql-18")
declare -A SHA256=(
  [14]=83b3e816773b62f74a8f4c52d087147d3a90ec9c1faad10331d31d53238eea6e
  [16]=b46d0e4d2335f40a876c48b812c22d6d92b5224c8a4f5e3609e8b89452b27d9a
  [17]=dd27f2b3c59e73ed14aa3324901242bf69a032a6347805f274e6260322d42979)
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

step "end to end, part 1: the README's main job on PostgreSQL $E2E_VERSIONS (build, verify, publish and pin-bump in dry-run)"
e2e_parent="$(mktemp -d /tmp/pg-bundle-e2e.XXXXXX)"
chmod 755 "$e2e_parent"
E2E_OUT="$e2e_parent/out"
sources=(); sums=()
for v in ${E2E_VERSIONS//,/ }; do
  sources+=("${SOURCE[$v]}")
  [ -n "${SHA256[$v]:-}" ] && sums+=("${SHA256[$v]}")
done
main_job=0
t0=$(date +%s)
if node bin/pg-bundle.js run --pg "$E2E_VERSIONS" --source "${sources[@]}" ${sums[@]:+--sha256 "${sums[@]}"} \
  --out "$E2E_OUT" --dry-run; then
  main_job=1
else
  status=1
fi
echo "main job: $(( $(date +%s) - t0 )) s"

step "end to end, part 2: tests on each version of the built bundle (static ELF, initdb, verify failure cases, walredo, publish to the fake GitHub API and fetch)"
e2e_results=()
if [ -f "$E2E_OUT/manifest.json" ]; then
  # the per-version tests (5-10 minutes each from an empty cache) on the newest major of the run;
  # the main job has verified every major (all checks, the walredo suite) already.
  # PG_BUNDLE_E2E_EVERY_VERSION=1 runs them on each major (the closing note's runs by hand).
  e2e_each="${E2E_VERSIONS##*,}"
  [ -n "${PG_BUNDLE_E2E_EVERY_VERSION:-}" ] && e2e_each="${E2E_VERSIONS//,/ }"
  for v in $e2e_each; do
    echo "--- v$v ---"
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE="$E2E_OUT" PG_BUNDLE_E2E_VERSION="$v" \
      npx jest --ci --runInBand test/e2e --testPathIgnorePatterns reproducible custom-rmgr fork-mode neon-mode seeded-tree compare aarch64-vm \
      --json --outputFile="$results/e2e-v$v.json" || status=1
    e2e_results+=("$results/e2e-v$v.json")
  done
  # compare (two bundles side by side) on the oldest major of the run (v14..v16 initdb with the libc
  # provider, v17+ with builtin: PG_BUNDLE_E2E_COMPARE_VERSIONS names others); ~2-3 minutes each
  in_run() { [[ ",$E2E_VERSIONS," == *",$1,"* ]]; }
  compare_versions="${PG_BUNDLE_E2E_COMPARE_VERSIONS:-${E2E_VERSIONS%%,*}}"
  for v in ${compare_versions//,/ }; do
    if ! in_run "$v"; then echo "compare: v$v is not among the run's majors ($E2E_VERSIONS)"; status=1; continue; fi
    echo "--- v$v: compare against a copy and an altered copy ---"
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE="$E2E_OUT" PG_BUNDLE_E2E_VERSION="$v" \
      npx jest --ci --runInBand test/e2e/compare --json --outputFile="$results/e2e-compare-v$v.json" || status=1
    e2e_results+=("$results/e2e-compare-v$v.json")
  done
  # a bundle that differs from the main job's only in ICU: ICU 67.1 built from the upstream tarball
  # Debian's archive serves (bullseye's icu_67.1.orig.tar.gz, sha256 from its Sources index; the
  # .dsc of 67.1-7 answers 404; the version the storage service pins; built once into the cache
  # directory) against the distribution's
  # ICU of the main job, on the oldest major of the run (PG_BUNDLE_E2E_ICU_VERSION names another;
  # ccache serves every object that includes no ICU header): compare must measure what changed
  # (collations that moved, indexes amcheck calls corrupt)
  icu_v="${PG_BUNDLE_E2E_ICU_VERSION:-${E2E_VERSIONS%%,*}}"
  echo "--- v$icu_v: the same source with ICU 67.1, compared with the main job's ---"
  ICU_OUT="$e2e_parent/icu67"
  t_icu=$(date +%s)
  if ! in_run "$icu_v"; then
    echo "ICU pair: v$icu_v is not among the run's majors ($E2E_VERSIONS)"; status=1
  elif node bin/pg-bundle.js build --pg "$icu_v" --source "${SOURCE[$icu_v]}" ${SHA256[$icu_v]:+--sha256 "${SHA256[$icu_v]}"} \
      --icu-source "tarball:http://deb.debian.org/debian/pool/main/i/icu/icu_67.1.orig.tar.gz" \
      --icu-sha256 94a80cd6f251a53bd2a997f6f1b5ac6653fe791dfab66e1eb0227740fb86d5dc --out "$ICU_OUT"; then
    echo "v$icu_v ICU 67.1 build: $(( $(date +%s) - t_icu )) s"
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE="$E2E_OUT" PG_BUNDLE_E2E_VERSION="$icu_v" PG_BUNDLE_E2E_COMPARE_BUNDLE="$ICU_OUT" \
      npx jest --ci --runInBand test/e2e/compare -t 'another ICU' --json --outputFile="$results/e2e-compare-icu.json" || status=1
  else
    status=1
  fi
  e2e_results+=("$results/e2e-compare-icu.json")
  # reproducible from any path: the seeded-tree step below builds the v18 fork tree again cold with
  # another cache and out directory, then once more from ccache alone, and compares every file.
  # PG_BUNDLE_E2E_REPRO=1 also does so for the oldest upstream major (one more cold build).
  # (without a v18+ major nor PG_BUNDLE_E2E_FORK_VERSIONS there is no seeded-tree step: then this one)
  if [ -n "${PG_BUNDLE_E2E_REPRO:-}" ] || { [ -z "${PG_BUNDLE_E2E_FORK_VERSIONS:-}" ] && [ "${E2E_VERSIONS##*,}" -lt 18 ]; }; then
    repro="${E2E_VERSIONS%%,*}"
    echo "--- v$repro: a second cold build elsewhere, then a build from ccache ---"
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE="$E2E_OUT" PG_BUNDLE_E2E_VERSION="$repro" \
      npx jest --ci --runInBand test/e2e/reproducible --json --outputFile="$results/e2e-repro.json" || status=1
    e2e_results+=("$results/e2e-repro.json")
  fi
  # custom resource managers in builtin walredo: the newest version again, with the test rmgr module
  # preloaded (its compiled tree is the main job's: only the relink), verified, then the e2e test
  rmgr="${E2E_VERSIONS##*,}"
  echo "--- v$rmgr with a custom resource manager (test/fixtures/modules/pgb_test_rmgr) ---"
  RMGR_OUT="$e2e_parent/rmgr"
  if [ "$rmgr" -lt 15 ]; then
    echo "custom resource managers exist from PostgreSQL 15 on: not tested with v$rmgr"
  elif node bin/pg-bundle.js build --pg "$rmgr" --source "${SOURCE[$rmgr]}" ${SHA256[$rmgr]:+--sha256 "${SHA256[$rmgr]}"} \
      --module test/fixtures/modules/pgb_test_rmgr --walredo-preload pgb_test_rmgr --out "$RMGR_OUT" \
    && node bin/pg-bundle.js verify "$RMGR_OUT"; then
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_RMGR_BUNDLE="$RMGR_OUT" \
      npx jest --ci --runInBand test/e2e/custom-rmgr --json --outputFile="$results/e2e-rmgr.json" || status=1
  else
    status=1
  fi
  [ "$rmgr" -lt 15 ] || e2e_results+=("$results/e2e-rmgr.json")

  source_field() { node -e 'const s = require(process.argv[1]).versions[process.argv[2]]?.source ?? {}; console.log(s[process.argv[3]] ?? "")' "$E2E_OUT/manifest.json" "$1" "$2"; }
  # upstream_tarball V: the very upstream tarball of the main job's v$V source (the sha256 its
  # manifest records), printed; nothing when it cannot be found
  upstream_tarball() {
    local v="$1" upstream="" want rev f
    want="$(source_field "$v" tarballSha256)"
    case "${SOURCE[$v]}" in
      tarball:*) upstream="${SOURCE[$v]#tarball:}" ;;
      debian:*)
        # the package version the main job used (debian:postgresql-15=15.18-0+deb12u1) names its download directory
        rev="$(source_field "$v" revision)"; rev="${rev#debian:}"
        for f in "$PG_BUNDLE_CACHE/debian/${rev/=/_}"/*.orig.tar.gz "$PG_BUNDLE_CACHE/debian/${rev/=/_}"/*.orig.tar.bz2 \
          "$PG_BUNDLE_CACHE/debian/${rev/=/_}"/*.orig.tar.xz; do
          [ -f "$f" ] && upstream="$f"
        done ;;
    esac
    if [ -z "$upstream" ] || [ -z "$want" ] || [ "$(sha256sum < "$upstream" | cut -d' ' -f1)" != "$want" ]; then
      echo "v$v: no upstream tarball with the sha256 the main job recorded (${want:-none}) (found: ${upstream:-none})" >&2
      return 1
    fi
    echo "$upstream"
  }

  # fork mode with the storage service's real walredo and rmgr (test/fixtures/neon): Neon-shaped
  # trees made from the main job's upstream tarballs, built with --walredo fork and the real
  # neon_walredo (and neon_rmgr on v16+) from ../shared/neon, checked by its sha256 and never copied
  # into the repository; verified (seccomp sandbox included), then the e2e test. The oldest and the
  # newest major the fork exists for (v14..v17) among the run's; PG_BUNDLE_E2E_NEON_VERSIONS names
  # others (the closing note runs v15 and v16 so). Their configure differs from upstream's
  # (--with-libseccomp), so their compiled trees are cold the first time and cached after.
  neon_versions=()
  if [ -n "${PG_BUNDLE_E2E_NEON_VERSIONS:-}" ]; then
    for v in ${PG_BUNDLE_E2E_NEON_VERSIONS//,/ }; do neon_versions+=("$v"); done
  else
    in_fork=(); for v in ${E2E_VERSIONS//,/ }; do [ "$v" -le 17 ] && in_fork+=("$v"); done
    [ ${#in_fork[@]} -eq 0 ] || neon_versions=($(printf '%s\n' "${in_fork[0]}" "${in_fork[${#in_fork[@]}-1]}" | sort -un))
  fi
  echo "--- Neon-shaped trees with the storage service's modules: v${neon_versions[*]} ---"
  NEON_OUT="$e2e_parent/neon"
  neon_ok=1
  neon_tar=../shared/neon/neon-6a35a3e9f1-walredo.tar.gz
  neon_sha="$(sed -n 's/^\([0-9a-f]\{64\}\)  neon-6a35a3e9f1-walredo.tar.gz$/\1/p' ../shared/neon/SHA256SUMS)"
  neon_src="$PG_BUNDLE_CACHE/neon-src/$neon_sha/neon-6a35a3e9f1"
  if [ ${#neon_versions[@]} -gt 0 ]; then
    if [ -z "$neon_sha" ] || [ "$(sha256sum < "$neon_tar" | cut -d' ' -f1)" != "$neon_sha" ]; then
      echo "$neon_tar does not have the sha256 ../shared/neon/SHA256SUMS gives"; neon_ok=0
    elif [ ! -d "$neon_src" ]; then
      mkdir -p "$PG_BUNDLE_CACHE/neon-src/$neon_sha.tmp" && tar -xzf "$neon_tar" -C "$PG_BUNDLE_CACHE/neon-src/$neon_sha.tmp" \
        && mv "$PG_BUNDLE_CACHE/neon-src/$neon_sha.tmp" "$PG_BUNDLE_CACHE/neon-src/$neon_sha" || neon_ok=0
    fi
  fi
  neon_fixture_sha="$(cat test/fixtures/neon/make-neon-tree.sh test/fixtures/neon/edits/*.sh | sha256sum | cut -d' ' -f1)"
  for v in "${neon_versions[@]}"; do
    [ "$neon_ok" = 1 ] || break
    upstream="$(upstream_tarball "$v")" || { neon_ok=0; continue; }
    tree="$PG_BUNDLE_CACHE/neon-trees/v$v"
    stamp="$neon_fixture_sha $(sha256sum < "$upstream" | cut -d' ' -f1)"
    if [ "$(cat "$tree.stamp" 2>/dev/null)" != "$stamp" ]; then
      rm -rf "$tree" "$tree.stamp"
      mkdir -p "$(dirname "$tree")"
      if ! bash test/fixtures/neon/make-neon-tree.sh "$upstream" "$tree"; then
        echo "v$v: could not make the Neon-shaped tree from $upstream"
        neon_ok=0; continue
      fi
      echo "$stamp" > "$tree.stamp"
    fi
    neon_args=(--walredo fork --module "$neon_src/pgxn/neon_walredo")
    [ "$v" -ge 16 ] && neon_args+=(--module "$neon_src/pgxn/neon_rmgr" --walredo-preload neon_rmgr)
    t_neon=$(date +%s)
    node bin/pg-bundle.js build --pg "$v" --source "dir:$tree" "${neon_args[@]}" --out "$NEON_OUT" || neon_ok=0
    echo "v$v Neon-shaped tree build: $(( $(date +%s) - t_neon )) s"
  done
  if [ ${#neon_versions[@]} -gt 0 ]; then
    if [ "$neon_ok" = 1 ] && node bin/pg-bundle.js verify "$NEON_OUT" --report "$e2e_parent/neon-verify.json"; then
      PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_NEON_BUNDLE="$NEON_OUT" PG_BUNDLE_E2E_NEON_REPORT="$e2e_parent/neon-verify.json" PG_BUNDLE_E2E_BUNDLE="$E2E_OUT" \
        npx jest --ci --runInBand test/e2e/neon-mode --json --outputFile="$results/e2e-neon.json" || status=1
      # thousands of the real walredo per host: 1,000 processes of the newest Neon-shaped major at once
      neon_scale="${neon_versions[${#neon_versions[@]}-1]}"
      echo "--- v$neon_scale Neon-shaped: 1,000 walredo processes at once ---"
      PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE="$NEON_OUT" PG_BUNDLE_E2E_VERSION="$neon_scale" \
        npx jest --ci --runInBand test/e2e/walredo-scale --json --outputFile="$results/e2e-neon-scale.json" || status=1
    else
      status=1
    fi
    e2e_results+=("$results/e2e-neon.json" "$results/e2e-neon-scale.json")
  fi

  # fork mode on fork-shaped trees (test/fixtures/fork) for the majors the storage service's fork
  # does not cover yet (v18): each tree made from the main job's upstream tarball, built with
  # --walredo fork and the fixture's two modules, verified, then the e2e test. The trees live under
  # the cache directory; a tree is made again when the fixture script or the upstream tarball
  # changed. Its compiled tree is seeded from the main job's upstream tree (src/compile/seed-tree.ts):
  # make recompiles only what the fork's edits reach; the newest such major's bundle is then built
  # again cold elsewhere and compared file by file (test/e2e/seeded-tree).
  # PG_BUNDLE_E2E_FORK_VERSIONS names others (v15+) for a run by hand.
  fork_versions=()
  if [ -n "${PG_BUNDLE_E2E_FORK_VERSIONS:-}" ]; then
    for v in ${PG_BUNDLE_E2E_FORK_VERSIONS//,/ }; do fork_versions+=("$v"); done
  else
    for v in ${E2E_VERSIONS//,/ }; do [ "$v" -ge 18 ] && fork_versions+=("$v"); done
  fi
  echo "--- fork-shaped trees, --walredo fork: v${fork_versions[*]} ---"
  FORK_OUT="$e2e_parent/fork"
  seeded=""
  [ ${#fork_versions[@]} -eq 0 ] || seeded="${fork_versions[${#fork_versions[@]}-1]}"
  FORK_ARGS="--walredo fork --module test/fixtures/fork/fork_walredo --module test/fixtures/modules/pgb_test_rmgr --walredo-preload pgb_test_rmgr"
  fork_ok=1
  fixture_sha="$(cat test/fixtures/fork/make-fork-tree.sh test/fixtures/neon/edits/lib.sh | sha256sum | cut -d' ' -f1)"
  for v in "${fork_versions[@]}"; do
    upstream="$(upstream_tarball "$v")" || { fork_ok=0; continue; }
    want="$(source_field "$v" tarballSha256)"
    tree="$PG_BUNDLE_CACHE/fork-trees/v$v"
    stamp="$fixture_sha $want"
    if [ "$(cat "$tree.stamp" 2>/dev/null)" != "$stamp" ]; then
      rm -rf "$tree" "$tree.stamp" "$tree.fixture-sha256"
      mkdir -p "$(dirname "$tree")"
      if ! bash test/fixtures/fork/make-fork-tree.sh "$upstream" "$tree"; then
        echo "v$v: could not make the fork-shaped tree from $upstream"
        fork_ok=0; continue
      fi
      echo "$stamp" > "$tree.stamp"
    fi
    if [ "$v" = "$seeded" ]; then
      # this major's compiled tree is made anew each run, so that it is seeded (and checked) every time
      for f in $(grep -l "\"origin\":\"$tree\"" "$PG_BUNDLE_CACHE"/build/*/.pg-bundle-configured 2>/dev/null); do
        rm -rf "$(dirname "$f")" "$PG_BUNDLE_CACHE/snapshots/$(basename "$(dirname "$f")")"
      done
    fi
    t_fork=$(date +%s)
    # shellcheck disable=SC2086 # $FORK_ARGS is a list of words
    node bin/pg-bundle.js build --pg "$v" --source "dir:$tree" $FORK_ARGS --out "$FORK_OUT" 2>&1 | tee "$e2e_parent/fork-v$v.log" \
      || fork_ok=0
    echo "v$v fork tree build: $(( $(date +%s) - t_fork )) s"
    if [ "$v" = "$seeded" ] && ! grep -q "seed the tree from" "$e2e_parent/fork-v$v.log"; then
      echo "v$v: the fork tree's compiled tree was not seeded from the main job's"
      fork_ok=0
    fi
  done
  # the fixture's walredo enters no seccomp sandbox (a real fork's does: the Neon step proves it):
  # verify must fail it on exactly that, in the hardening check, and pass everything else
  fork_verified() {
    node bin/pg-bundle.js verify "$FORK_OUT" --report "$e2e_parent/fork-verify.json"
    node -e '
      const r = require(process.argv[1]);
      const failed = Object.entries(r.versions).flatMap(([v, x]) => x.checks.filter((c) => c.status !== "pass").map((c) => ({ v, ...c })));
      const other = failed.filter((c) => !(c.name === "hardening" && /runs without its seccomp sandbox/.test(c.detail)));
      const sandbox = Object.keys(r.versions).filter((v) => failed.some((c) => c.v === v && c.name === "hardening"));
      for (const c of other) console.log(`v${c.v} ${c.name}: ${c.status} ${c.detail.slice(0, 300)}`);
      if (sandbox.length !== Object.keys(r.versions).length) console.log("the fixture walredo without a sandbox was not failed by the hardening check");
      else console.log(`fork fixture: the hardening check fails its walredo without a seccomp sandbox (${sandbox.map((v) => "v" + v).join(", ")}), every other check passes`);
      process.exit(other.length === 0 && sandbox.length === Object.keys(r.versions).length ? 0 : 1);
    ' "$e2e_parent/fork-verify.json"
  }
  if [ "$fork_ok" = 1 ] && [ ${#fork_versions[@]} -gt 0 ] && fork_verified; then
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_FORK_BUNDLE="$FORK_OUT" PG_BUNDLE_E2E_FORK_REPORT="$e2e_parent/fork-verify.json" PG_BUNDLE_E2E_BUNDLE="$E2E_OUT" \
      npx jest --ci --runInBand test/e2e/fork-mode --json --outputFile="$results/e2e-fork.json" || status=1
    echo "--- v$seeded: the seeded fork tree against a cold build of the same tree ---"
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_FORK_BUNDLE="$FORK_OUT" PG_BUNDLE_E2E_VERSION="$seeded" PG_BUNDLE_E2E_FORK_ARGS="$FORK_ARGS" \
      npx jest --ci --runInBand test/e2e/seeded-tree --json --outputFile="$results/e2e-seeded.json" || status=1
  elif [ ${#fork_versions[@]} -gt 0 ]; then
    status=1
  fi
  [ ${#fork_versions[@]} -eq 0 ] || e2e_results+=("$results/e2e-fork.json" "$results/e2e-seeded.json")

  # linux-aarch64 on this x86-64 machine: Debian's cross toolchain and :arm64 static libraries
  # (doctor --arch aarch64 --install-deps, which also downloads the arm64 kernel verify boots), a
  # cold cross build of one major of the run (PG_BUNDLE_E2E_ARM_VERSIONS: others), verify with every
  # check (programs under qemu-user; walredo, its sandbox and the kernel-floor session in an AArch64
  # VM) and --cross-check against the main job's x86-64 build: initdb's cluster and every walredo
  # page identical. Then the VM's own tests (processes, exit codes, signals, seccomp in the guest).
  step "end to end, part 3: linux-aarch64, cross-built, verified under emulation, compared with the x86-64 build"
  arm_versions="${PG_BUNDLE_E2E_ARM_VERSIONS:-17}"
  ARM_OUT="$e2e_parent/aarch64"
  t_arm=$(date +%s)
  arm_ok=1
  if ! node bin/pg-bundle.js doctor --arch aarch64 --install-deps >"$e2e_parent/doctor-aarch64.log" 2>&1; then
    tail -20 "$e2e_parent/doctor-aarch64.log"; arm_ok=0
  fi
  echo "aarch64 set-up (cross toolchain, :arm64 libraries, qemu, guest kernel): $(( $(date +%s) - t_arm )) s"
  for v in ${arm_versions//,/ }; do
    [ "$arm_ok" = 1 ] || break
    if ! in_run "$v"; then echo "aarch64: v$v is not among the run's majors ($E2E_VERSIONS)"; arm_ok=0; break; fi
    t_v=$(date +%s)
    node bin/pg-bundle.js build --arch aarch64 --pg "$v" --source "${SOURCE[$v]}" ${SHA256[$v]:+--sha256 "${SHA256[$v]}"} \
      --out "$ARM_OUT" || { arm_ok=0; break; }
    echo "v$v aarch64 build: $(( $(date +%s) - t_v )) s"
  done
  if [ "$arm_ok" = 1 ]; then
    t_v=$(date +%s)
    node bin/pg-bundle.js verify "$ARM_OUT" --pg "$arm_versions" --cross-check "$E2E_OUT" || arm_ok=0
    echo "aarch64 verify (emulated, with the cross-architecture comparison): $(( $(date +%s) - t_v )) s"
  fi
  if [ "$arm_ok" = 1 ]; then
    PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_ARM_BUNDLE="$ARM_OUT" PG_BUNDLE_E2E_VERSION="${arm_versions%%,*}" \
      npx jest --ci --runInBand test/e2e/aarch64-vm --json --outputFile="$results/e2e-aarch64.json" || status=1
  else
    status=1
  fi
  e2e_results+=("$results/e2e-aarch64.json")
  echo "aarch64: $(( $(date +%s) - t_arm )) s"
else
  echo "no bundle was built: end-to-end tests not run"
  e2e_results+=("$results/e2e.json")
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
' "$results/unit.json" "${e2e_results[@]}"
echo "whole run: $(( $(date +%s) - run_started )) s (cache: $PG_BUNDLE_CACHE)"
# the bundles and results of the run (about 700 MB): kept to look into when something failed
if [ "$status" = 0 ]; then rm -rf "$e2e_parent" "$results"; else echo "kept for inspection: $e2e_parent $results"; fi
exit $status
