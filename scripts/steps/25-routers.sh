# The route guard in front of the routers that need more than net/http:
# the adapter modules (adapters/chi, adapters/echo, adapters/gin,
# adapters/gorilla) and the router-differential suites over all of them
# (internal/routertest), each its own module so that the root module
# never depends on a router. Vetted by 05-gates.sh; tested under both
# toolchains (go_test_both, lib.sh); FuzzRouters is fuzzed by 70-fuzz.sh.
for mod in adapters/chi adapters/echo adapters/gin adapters/gorilla internal/routertest; do
	(cd "$ROOT/$mod" && go_test_both ./...)
done
