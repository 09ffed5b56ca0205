# Benchmarks as a smoke run (100 iterations each), so CI stays fast: they
# must compile and run; their figures are not checked here. The measured
# tables come from bench/cmd/targets, bench/run.sh and scripts/loadtest;
# see BENCHMARKS.md.
go test -run '^$' -bench . -benchtime=100x .

# Allocation bounds of the hot path (skipped under -race in 10-go.sh).
go test -count=1 -run '^TestCacheHitAllocs$|^TestTokenCacheEntrySize$|^TestGuardAllocs$|^TestMatchAllocs$|^TestTokenAllocs$' .

# The benchmark module has its own go.mod: format, vet, test and smoke-run
# it. Its server-storage rows compare with scs on a real redis-server
# (start_redis: the one 30-redis.sh started, or a new one when this step
# runs alone); AUTHSESSION_REQUIRE_SERVICES makes them fail without one.
start_redis
unformatted=$(gofmt -l bench)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
(cd bench && go vet ./... && go test -count=1 ./... && go test -run '^$' -bench . -benchtime=100x ./...)

# The targets of issues 14 and 28, measured side by side (bench/cmd/targets:
# the library against the floor of bare AES-256-GCM and base64url, go-jose,
# golang-jwt, securecookie and scs; the guard over a bare handler; server
# storage against scs on memory and on Redis; 1,000 against 10 route
# rules), the allocation counts of EncryptSession, DecryptSession,
# CreateSession and the guard's warm path, and the store calls and Redis
# round trips of server storage: fails when a gated ratio or time is more
# than 25% past its target in three measurements in a row, or a count
# (allocations, store calls, round trips) exceeds its bound. The margin
# comes from repeated runs on a loaded 2-core machine (BENCHMARKS.md,
# "Regressions caught in CI"). About 50 s.
(cd bench && go run ./cmd/targets -rounds 41 -batch 5ms -gate -margin 0.25)
