#!/usr/bin/env bash
# Submit a sweep to Slurm: an array job whose task i runs shard i+1 of SHARDS, then a job that
# merges the shards and renders the report once every task has succeeded (afterok).
#
#   deploy/slurm/submit.sh          submit the whole sweep
#   deploy/slurm/submit.sh 3,7      resubmit array tasks 3 and 7 (they resume from their journal)
#                                   and a new merge job that waits for them
#
# Change the settings below (or set them in the environment when calling this script). The job
# files sweep.sbatch and merge.sbatch read them from the environment this script exports.
set -euo pipefail

# ---- settings --------------------------------------------------------------------------------
REPO="${REPO:-$HOME/evtchn-sim}"             # the repository, on a file system every node mounts
SWEEP="${SWEEP:-scenarios/default.json}"     # sweep or scenario file (relative to REPO), or a built-in name
SIM_ARGS="${SIM_ARGS:-}"                     # extra flags for every shard, e.g. "--set seed=3 --abi 2l,fifo"
OUT="${OUT:-/shared/evtchn-sim/default}"     # results folder on the shared file system (absolute path)
SHARDS="${SHARDS:-16}"                       # number of shards (= array tasks)
CPUS="${CPUS:-4}"                            # CPUs per shard (its --workers)
PARTITION="${PARTITION:-}"                   # Slurm partition; empty: the cluster's default
TIME="${TIME:-01:00:00}"                     # time limit of one shard
MERGE_TIME="${MERGE_TIME:-00:30:00}"         # time limit of merge + report
DENO="${DENO:-$(command -v deno || true)}"   # Deno 2 that every node can run: `npm install -g deno@2`,
                                             # or a copy of that binary on the shared file system
DENO_DIR="${DENO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deno}" # Deno's module cache, shared: filled
                                             # once below, only read by the tasks
SBATCH_ARGS="${SBATCH_ARGS:-}"               # anything else for sbatch, e.g. "--account=abc --qos=normal"
# ----------------------------------------------------------------------------------------------

here="$(cd "$(dirname "$0")" && pwd)"
tasks="${1:-0-$((SHARDS - 1))}"

die() {
  echo "submit.sh: $*" >&2
  exit 2
}
[ -x "$DENO" ] || die "no Deno: install it with 'npm install -g deno@2' or set DENO to a Deno 2 binary"
[ -f "$REPO/deno.json" ] || die "REPO=$REPO is not the evtchn-sim repository"
case "$OUT" in /*) ;; *) die "OUT=$OUT must be an absolute path on a shared file system" ;; esac
[[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || die "SHARDS=$SHARDS: expected a positive integer"
[[ "$tasks" =~ ^[0-9,-]+$ ]] || die "'$tasks': expected array task ids such as 3 or 3,7 or 0-15"

export REPO SWEEP SIM_ARGS OUT SHARDS DENO DENO_DIR

# Fill the shared module cache once, here, so that no task downloads anything (the npm packages
# of deno.json, pinned by deno.lock); then check the sweep file before anything is queued.
(cd "$REPO" && "$DENO" install --quiet && NO_COLOR=1 "$DENO" task -q sim validate "$SWEEP" >&2) ||
  die "cannot prepare the sweep (see above)"
mkdir -p "$OUT/logs"

opts=(--parsable --export=ALL)
[ -n "$PARTITION" ] && opts+=(--partition="$PARTITION")
# shellcheck disable=SC2206 # SBATCH_ARGS is a list of flags
opts+=($SBATCH_ARGS)

array=$(sbatch "${opts[@]}" --job-name=evtchn-sweep --array="$tasks" \
  --cpus-per-task="$CPUS" --time="$TIME" --requeue \
  --output="$OUT/logs/shard-%a.%A.out" "$here/sweep.sbatch")
array="${array%%;*}"
# --kill-on-invalid-dep: if a task fails or is cancelled, this merge job is removed instead of
# waiting forever; resubmit the task (submit.sh <task>) and a new merge job comes with it.
merge=$(sbatch "${opts[@]}" --job-name=evtchn-merge --dependency="afterok:$array" \
  --kill-on-invalid-dep=yes --cpus-per-task=1 --time="$MERGE_TIME" \
  --output="$OUT/logs/merge.%j.out" "$here/merge.sbatch")
merge="${merge%%;*}"
echo "$array $merge"
echo "submit.sh: array job $array (tasks $tasks of 0-$((SHARDS - 1))), merge job $merge;" \
  "merged results and report in $OUT/all/" >&2
