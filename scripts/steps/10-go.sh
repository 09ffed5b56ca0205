# The library module's tests: a plain run under the installed toolchain,
# then the race detector under GO_LATEST (lib.sh). gofmt and go vet ran in
# 05-gates.sh.
go_test_both ./...
# The Auth.js example API (its own module; no service needed).
(cd "$ROOT/examples/nextjs-authjs" && go_test_both ./...)
