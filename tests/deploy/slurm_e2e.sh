#!/usr/bin/env bash
# End-to-end test of deploy/slurm/ on a real one-node Slurm cluster (README: Running a sweep on a
# cluster). Starts munged, slurmctld and slurmd from Debian's packages (slurm_cluster.sh), then:
#
#   1. runs tests/deploy/sweep.json unsharded, as the reference;
#   2. submits it with deploy/slurm/submit.sh as 4 shards plus the dependent merge+report job;
#   3. cancels array task 1 (scancel) once it has recorded a run and before it has finished;
#      the merge job is then removed (its dependency can no longer be met);
#   4. resubmits task 1 with submit.sh 1: it resumes from its journal, and a new merge job runs;
#   5. checks that the merged CSVs are byte-identical to the reference and that the report
#      (report.md, report.html) was rendered.
#
# Needs root (the daemons) and the packages slurm-wlm and munge; skips with a message without
# them, unless SLURM_E2E_REQUIRED=1, which turns the skip into a failure.
# Usage: bash tests/deploy/slurm_e2e.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"

skip() {
  if [ "${SLURM_E2E_REQUIRED:-0}" = 1 ]; then
    echo "slurm e2e: FAILED: $* (SLURM_E2E_REQUIRED=1)" >&2
    exit 1
  fi
  echo "slurm e2e: SKIPPED: $*" >&2
  exit 0
}
[ "$(id -u)" = 0 ] || skip "not root (munged, slurmctld and slurmd are started as root)"
for b in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
  command -v "$b" >/dev/null || skip "no $b: apt-get install slurm-wlm munge"
done
command -v deno >/dev/null || skip "no deno on PATH"

# shellcheck source=tests/deploy/slurm_cluster.sh
source "$repo/tests/deploy/slurm_cluster.sh"

t0=$(date +%s%N)
work="$(mktemp -d /tmp/evtchn-slurm-e2e.XXXXXX)"
passed=0
finish() {
  cluster_stop
  if [ "$passed" = 1 ] && [ "${SLURM_E2E_KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "slurm e2e: files kept in $work" >&2; fi
}
trap finish EXIT

fail() {
  echo "slurm e2e: FAILED: $*" >&2
  local f
  for f in "$work"/out/logs/*; do
    [ -f "$f" ] || continue
    echo "---- $f" >&2
    tail -n 20 "$f" >&2
  done
  cluster_fail "logs of the daemons:"
  exit 1
}
say() { echo "slurm e2e [$((($(date +%s%N) - t0) / 1000000000)) s]: $*" >&2; }

# The state of one job or array task (PENDING, RUNNING, COMPLETED, CANCELLED, ...).
state() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }

# Wait until none of the given jobs is pending or running (at most $2 seconds).
wait_done() {
  local ids="$1" limit="$2" i
  for ((i = 0; i < limit * 5; i++)); do
    [ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  squeue >&2
  fail "jobs $ids still queued or running after $limit s"
}

# Recorded runs of a shard folder (journal/<run-id>.json, besides journal/sweep.json).
recorded() { find "$1/journal" -name '*.json' ! -name sweep.json 2>/dev/null | wc -l; }

sweep=tests/deploy/sweep.json
say "reference: the unsharded sweep, while the cluster starts"
NO_COLOR=1 deno task -q sim sweep "$sweep" --out "$work/whole" --workers 1 --quiet --no-report &
ref=$!
cluster_start "$work/cluster" || exit 1
say "cluster up: $(sinfo -h -N -o '%N %t %c CPUs')"
wait "$ref" || fail "the unsharded reference sweep failed"
say "reference done"

export REPO="$repo" SWEEP="$sweep" OUT="$work/out" SHARDS=4 CPUS=1 TIME=00:05:00 \
  MERGE_TIME=00:05:00 PARTITION="" SIM_ARGS="" SBATCH_ARGS=""
read -r array merge < <(deploy/slurm/submit.sh) || fail "submit.sh failed"
[ -n "${merge:-}" ] || fail "submit.sh printed no job ids"
say "submitted array job $array (4 shards) and merge job $merge"

# Cancel task 1 mid-run: after its first recorded run, before its last (each shard has 4 runs,
# the last two six times longer than the first two, so there is time to do it).
for ((i = 0; i < 600; i++)); do
  [ "$(recorded "$OUT/shard-1")" -ge 1 ] && break
  sleep 0.1
done
[ "$(recorded "$OUT/shard-1")" -ge 1 ] || fail "array task 1 recorded no run within 60 s"
scancel "${array}_1"
for ((i = 0; i < 100; i++)); do
  [ "$(state "${array}_1")" = CANCELLED ] && break
  sleep 0.1
done
[ "$(state "${array}_1")" = CANCELLED ] || fail "task ${array}_1 is $(state "${array}_1"), not CANCELLED"
kept=$(recorded "$OUT/shard-1")
[ "$kept" -lt 4 ] || fail "task 1 finished all 4 runs before it was cancelled: nothing to resume"
say "cancelled task ${array}_1 with $kept of its 4 runs recorded"

wait_done "$array,$merge" 120
for t in 0 2 3; do
  [ "$(state "${array}_$t")" = COMPLETED ] || fail "task ${array}_$t is $(state "${array}_$t")"
done
[ "$(state "$merge")" = CANCELLED ] ||
  fail "merge job $merge is $(state "$merge"), expected CANCELLED (afterok can no longer be met)"
[ ! -e "$OUT/all" ] || fail "the merge ran although a shard was cancelled"

read -r array2 merge2 < <(deploy/slurm/submit.sh 1) || fail "submit.sh 1 failed"
say "resubmitted task 1 as array job $array2, merge job $merge2"
wait_done "$array2,$merge2" 120
[ "$(state "${array2}_1")" = COMPLETED ] || fail "resubmitted task is $(state "${array2}_1")"
[ "$(state "$merge2")" = COMPLETED ] || fail "merge job $merge2 is $(state "$merge2")"

# The resubmitted task resumed: it skipped exactly the runs recorded before the cancel.
log="$OUT/logs/shard-1.$array2.out"
grep -q "4 runs ($kept already recorded)" "$log" ||
  fail "$log does not say the shard resumed with $kept runs already recorded: $(tail -n 3 "$log")"

# Byte-identical CSVs, the same set of them.
(cd "$work/whole" && ls -- *.csv) >"$work/whole.list"
(cd "$OUT/all" && ls -- *.csv) >"$work/all.list"
cmp -s "$work/whole.list" "$work/all.list" ||
  fail "CSV files differ: $(tr '\n' ' ' <"$work/whole.list") vs $(tr '\n' ' ' <"$work/all.list")"
while read -r f; do
  cmp "$work/whole/$f" "$OUT/all/$f" >&2 || fail "$f of the merged shards differs from the unsharded sweep"
done <"$work/whole.list"
for f in report.md report.html; do
  [ -s "$OUT/all/$f" ] || fail "no $f in $OUT/all"
done
grep -q deploy-check "$OUT/all/report.md" || fail "report.md does not name the scenario"

passed=1
say "passed: 4 shards merged, task 1 cancelled after" \
  "$kept runs and resumed, $(wc -l <"$work/whole.list") CSVs identical to the unsharded sweep," \
  "report rendered"
