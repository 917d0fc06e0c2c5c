#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and benches/charts/*.svg in one command: builds the
# bench, runs every runtime (goro, tokio, smol, Go when a Go >= 1.23 is found,
# and the floors) interleaved, writes benches/results/main.tsv, then renders.
#
#   benches/report.sh                        # full run: scale 1, 3 reps, workers 1,2
#   SCALE=0.05 REPS=1 benches/report.sh      # a smoke run (about a minute)
#   benches/report.sh --render               # only re-render from benches/results/*.tsv
#
# Environment: SCALE (1), REPS (3), WORKERS (1,2), BENCH_LABEL (names this
# machine in BENCHMARKS.md), and any further arguments go to the harness
# (e.g. --only W1,W2). At scale 1 a full run takes about 5 minutes per worker
# count on a quiet 2-core machine (W10's 5 lines x 3 reps are half of it), plus the
# build; a busy machine takes several times longer (W10 most). The results file is
# rewritten after every workload: an interrupted run leaves
# benches/results/main.tsv.partial, which `mv` to main.tsv and --render turn
# into a page.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

render() {
    cargo bench -q --bench workloads -- --report --results benches/results \
        --md BENCHMARKS.md --charts benches/charts
}

if [[ "${1:-}" == "--render" ]]; then
    render
    exit 0
fi

mkdir -p benches/results
tmp="benches/results/main.tsv.partial"
status=0
cargo bench -q --bench workloads -- --scale "${SCALE:-1}" --reps "${REPS:-3}" \
    --workers "${WORKERS:-1,2}" --tsv "$tmp" "$@" || status=$?
if [[ ! -s "$tmp" ]]; then
    echo "report.sh: the harness wrote no results (exit $status)" >&2
    exit 1
fi
mv "$tmp" benches/results/main.tsv
if [[ $status != 0 ]]; then
    echo "report.sh: some measurements failed (see above); they show as '-'" >&2
fi
render
