package authsession_test

import (
	"testing"

	"github.com/authsession/authsession/memstore"
	"github.com/authsession/authsession/storetest"
)

// BenchmarkGetSessionStore compares GetSession without a store (stateless
// cookie, verified-token cache hit) and with the memory store (the same,
// plus one store read per request; TouchAfter keeps writes rare).
func BenchmarkGetSessionStore(b *testing.B) {
	storetest.BenchmarkGetSession(b, storeTestSecret,
		storetest.Named{Name: "stateless"},
		storetest.Named{Name: "memory", Store: memstore.New(memstore.Options{})})
}
