# The route guard in front of go-chi/chi: a separate module
# (internal/chitest) so the root module never depends on chi. Vetted by
# 05-gates.sh; tested under both toolchains (go_test_both, lib.sh).
cd "$ROOT/internal/chitest"
go_test_both ./...
