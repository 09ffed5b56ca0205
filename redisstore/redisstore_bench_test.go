package redisstore_test

import (
	"testing"

	"github.com/authsession/authsession/redisstore"
	"github.com/authsession/authsession/storetest"
)

// BenchmarkGetSession measures GetSession with the Redis store (one HGETALL
// round trip per request over loopback) against the stateless path in the
// same run.
func BenchmarkGetSession(b *testing.B) {
	storetest.BenchmarkGetSession(b, secret,
		storetest.Named{Name: "stateless"},
		storetest.Named{Name: "redis", Store: redisstore.New(redisClient(b), redisstore.Options{Prefix: prefix(b)})})
}
