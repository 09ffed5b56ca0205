// Package routertest checks the route guard in front of the routers that
// need more than net/http: chi without an adapter (a router that matches
// on the raw, still percent-encoded path and does not clean it) and chi,
// gorilla/mux, gin and echo behind their adapters (adapters/…), with
// router-differential suites and one fuzz target over every site. It is
// a separate module so that the root module depends on none of them, not
// even in its tests.
package routertest
