package pgstore_test

import (
	"testing"

	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/storetest"
)

// BenchmarkGetSession measures GetSession with the PostgreSQL store (one
// SELECT by primary key per request over loopback) against the stateless
// path in the same run.
func BenchmarkGetSession(b *testing.B) {
	pool := connect(b)
	storetest.BenchmarkGetSession(b, secret,
		storetest.Named{Name: "stateless"},
		storetest.Named{Name: "postgres", Store: newStore(b, pool, pgstore.Options{Table: table(b, pool)})})
}
