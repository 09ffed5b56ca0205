// Package bench compares authsession's hot path with the bare primitives
// (floor.go), go-jose, golang-jwt, gorilla/securecookie and scs on one
// payload (internal/benchdata, shared with the root package's benchmarks). It is a module of its own so the library's
// go.mod stays small; run it with ./run.sh.
package bench
