package bench

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// paired times a and b alternately in the same loop, batch calls at a time
// and in alternating order, and reports their ratio of time per call
// ("a/b"). Load that comes and goes on a shared machine hits both sides
// alike, so the ratio is steadier than one of two separate benchmarks.
func paired(b *testing.B, batchA, batchB int, fa, fb func() error) {
	b.Helper()
	var ta, tb time.Duration
	runA := func() {
		t0 := time.Now()
		for range batchA {
			if err := fa(); err != nil {
				b.Fatal(err)
			}
		}
		ta += time.Since(t0)
	}
	runB := func() {
		t0 := time.Now()
		for range batchB {
			if err := fb(); err != nil {
				b.Fatal(err)
			}
		}
		tb += time.Since(t0)
	}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		if n%2 == 0 {
			runA()
			runB()
		} else {
			runB()
			runA()
		}
		n++
	}
	perA := float64(ta) / float64(n*batchA)
	perB := float64(tb) / float64(n*batchB)
	b.ReportMetric(perA/perB, "a/b")
	b.ReportMetric(perA, "a-ns/call")
	b.ReportMetric(perB, "b-ns/call")
}

// BenchmarkRatio measures the targets as paired ratios.
func BenchmarkRatio(b *testing.B) {
	f := newFixture(b, 0)
	decryptJose := func() error {
		obj, err := jose.ParseEncryptedCompact(f.token, allowedAlgs, allowedEncs)
		if err != nil {
			return err
		}
		pt, err := obj.Decrypt(f.key)
		if err != nil {
			return err
		}
		var c claims
		return json.Unmarshal(pt, &c)
	}
	b.Run("a=DecryptSession/b=go-jose", func(b *testing.B) {
		paired(b, 1, 1, func() error {
			_, err := f.auth.DecryptSession(f.token)
			return err
		}, decryptJose)
	})
	b.Run("a=GetSession-repeated/b=golang-jwt-HS256", func(b *testing.B) {
		r := request("/dashboard", f.token)
		if _, ok := f.auth.GetSession(r); !ok {
			b.Fatal("no session")
		}
		keyFunc := func(*jwt.Token) (any, error) { return f.hsKey, nil }
		paired(b, 32, 1, func() error {
			if _, ok := f.auth.GetSession(r); !ok {
				b.Fatal("no session")
			}
			return nil
		}, func() error {
			var c jwtClaims
			_, err := f.hsParser.ParseWithClaims(f.hsToken, &c, keyFunc)
			return err
		})
	})
}
