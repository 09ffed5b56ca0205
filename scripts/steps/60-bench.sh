# Benchmarks as a smoke run (100 iterations each), so CI stays fast: they
# must compile and run; their figures are not checked here. The measured
# tables come from bench/cmd/targets, bench/run.sh and scripts/loadtest;
# see BENCHMARKS.md.
go test -run '^$' -bench . -benchtime=100x .

# Allocation bounds of the hot path (skipped under -race in 10-go.sh).
go test -count=1 -run '^TestCacheHitAllocs$|^TestTokenCacheEntrySize$|^TestGuardAllocs$|^TestMatchAllocs$|^TestTokenAllocs$' .

# The benchmark module has its own go.mod: format, vet and smoke-run it.
unformatted=$(gofmt -l bench)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
(cd bench && go vet ./... && go test -run '^$' -bench . -benchtime=100x ./...)

# The targets of issues 14 and 28, measured side by side (bench/cmd/targets:
# the library against the floor of bare AES-256-GCM and base64url, go-jose,
# golang-jwt, securecookie and scs; 1,000 against 10 route rules) and the
# allocation counts of EncryptSession and DecryptSession: fails when a
# gated ratio or time is more than 25% past its target in three
# measurements in a row, or an allocation bound is exceeded. The margin
# comes from repeated runs on a loaded 2-core machine (BENCHMARKS.md,
# "Regressions caught in CI"). About 40 s.
(cd bench && go run ./cmd/targets -rounds 41 -batch 5ms -gate -margin 0.25)
