# Benchmarks as a smoke run only (100 iterations each), so CI stays fast:
# they must compile and run, their figures are not checked here. The
# measured tables come from bench/run.sh and scripts/loadtest; see
# BENCHMARKS.md.
go test -run '^$' -bench . -benchtime=100x .

# Allocation bounds of the hot path (skipped under -race in 10-go.sh).
go test -count=1 -run '^TestCacheHitAllocs$|^TestTokenCacheEntrySize$' .

# The benchmark module has its own go.mod: format, vet and smoke-run it.
unformatted=$(gofmt -l bench)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
(cd bench && go vet ./... && go test -run '^$' -bench . -benchtime=100x ./...)
