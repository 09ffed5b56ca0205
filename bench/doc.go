// Package bench compares authsession's hot path with go-jose, golang-jwt and
// gorilla/securecookie on one payload (internal/benchdata, shared with the
// root package's benchmarks). It is a module of its own so the library's
// go.mod stays small; run it with ./run.sh.
package bench
