#!/usr/bin/env bash
# Builds the workload bench (release, the bench profile) and Go's side into one
# folder, target/bench-bundle/ (or $1), with a sweep.sh that runs the scaling
# sweep on another x86-64 Linux machine that has neither cargo nor Go:
#
#   benches/bundle.sh                         # here, with cargo (and Go >= 1.23)
#   scp -r target/bench-bundle host:          # there:
#   OUT=/some/dir bench-bundle/sweep.sh       # writes $OUT/results.tsv and run.log
#
# The bench binary links glibc dynamically: the other machine needs a glibc at
# least as new as this one's. Go's binary is static (CGO_ENABLED=0). Back here,
# copy results.tsv to benches/results/<date>-<machine>.tsv and run
# `benches/report.sh --render`: it becomes a section of its own in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-target/bench-bundle}"
mkdir -p "$out"

exe="$(cargo bench --bench workloads --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*/workloads-[^"]*"' | tail -n1 | cut -d'"' -f4)"
[[ -x "$exe" ]] || { echo "bundle.sh: could not build the bench" >&2; exit 1; }
cp "$exe" "$out/workloads"
echo "bundle.sh: $out/workloads (from $exe)"

# The newest Go >= 1.23 on PATH or in Debian's /usr/lib/go-1.N/bin.
go_minor() { local v="${1#go}"; v="${v#1.}"; echo "${v%%[!0-9]*}"; }
go=""
for cand in $(command -v go 2>/dev/null) $(ls -d /usr/lib/go-1.* 2>/dev/null | sort -t. -k2,2nr | sed 's|$|/bin/go|'); do
    [[ -x "$cand" ]] || continue
    v="$("$cand" env GOVERSION 2>/dev/null)" || continue
    m="$(go_minor "$v")"
    if [[ -n "$m" && "$m" -ge 23 ]]; then go="$cand"; break; fi
done
rm -f "$out/go-workloads" "$out/go-workloads.version"
if [[ -n "$go" ]]; then
    (cd benches/go && CGO_ENABLED=0 GOCACHE="${TMPDIR:-/tmp}/goro-bench-gocache" \
        GOPATH="${TMPDIR:-/tmp}/goro-bench-gopath" GOFLAGS=-mod=mod GOPROXY=off \
        GOTOOLCHAIN=local GOTELEMETRY=off "$go" build -trimpath -o "$OLDPWD/$out/go-workloads" .)
    "$go" env GOVERSION >"$out/go-workloads.version"
    echo "bundle.sh: $out/go-workloads ($(cat "$out/go-workloads.version"))"
else
    echo "bundle.sh: Go skipped: no Go >= 1.23 on PATH or in /usr/lib/go-*/bin; the sweep will run without Go"
fi

cat >"$out/sweep.sh" <<'SWEEP'
#!/usr/bin/env bash
# The scaling sweep of goro's workload bench: every runtime at each worker count,
# interleaved, 3 repetitions. Needs neither cargo nor Go. Results: $OUT (default
# ./results next to this script): results.tsv (for BENCHMARKS.md) and run.log.
#   WORKERS=1,2,4,8,16 REPS=3 SCALE=1 BENCH_LABEL="16-core ..." OUT=dir ./sweep.sh [harness args]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${OUT:-$here/results}"
mkdir -p "$dest"
go=(--no-go)
[[ -x "$here/go-workloads" ]] && go=(--go-bin "$here/go-workloads")
"$here/workloads" "${go[@]}" --workers "${WORKERS:-1,2,4,8,16}" --reps "${REPS:-3}" \
    --scale "${SCALE:-1}" --tsv "$dest/results.tsv" "$@" 2>&1 | tee "$dest/run.log"
SWEEP
chmod +x "$out/sweep.sh"
echo "bundle.sh: $out/sweep.sh"
