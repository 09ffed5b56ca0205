#!/usr/bin/env bash
# Runs each benchmark operation on its own and summarises it with benchstat:
# medians of COUNT runs (default 6) from one `go test` invocation. On a
# shared machine these separate timings scatter widely; the targets in
# BENCHMARKS.md are ratios measured side by side (go run ./cmd/targets).
#
#	bench/run.sh                 # full run, about 3 minutes on 2 cores (quiet machine)
#	COUNT=10 bench/run.sh        # more runs
#	BENCH='Decrypt|GetSession' bench/run.sh
#
# The raw output is kept in bench/out/bench.txt. benchstat comes from
# `go install golang.org/x/perf/cmd/benchstat@latest`.
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-6}
BENCH=${BENCH:-.}
BENCHSTAT=${BENCHSTAT:-$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")}
if [ ! -x "$BENCHSTAT" ]; then
	echo "benchstat not found: go install golang.org/x/perf/cmd/benchstat@latest" >&2
	exit 1
fi
mkdir -p out
go test -run '^$' -bench "$BENCH" -benchmem -count "$COUNT" . | tee out/bench.txt
echo
"$BENCHSTAT" out/bench.txt
