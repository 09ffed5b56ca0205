# The library module's tests: a plain run under the installed toolchain,
# then three runs with the race detector under GO_LATEST (lib.sh), so that
# a test depending on timing would show: the tests that wait on the
# library's timers run in testing/synctest bubbles, on fake time. gofmt
# and go vet ran in 05-gates.sh.
echo "go test ./... ($(go env GOVERSION))"
go test -count=1 ./...
echo "go test -race -count=3 ./... ($GO_LATEST)"
go_latest test -race -count=3 ./...
# The Auth.js example API (its own module; no service needed).
(cd "$ROOT/examples/nextjs-authjs" && go_test_both ./...)
