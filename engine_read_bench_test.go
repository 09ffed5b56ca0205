package authsession_test

import (
	"testing"

	"github.com/authsession/authsession"
)

func BenchmarkGetSession(b *testing.B) {
	b.Run("cold", func(b *testing.B) {
		auth := newBenchAuth(b, -1)
		r := requestWithCookie("/dashboard", authsession.DefaultCookieName, benchToken(b, auth))
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := auth.GetSession(r); !ok {
				b.Fatal("no session")
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		auth := newBenchAuth(b, 0)
		r := requestWithCookie("/dashboard", authsession.DefaultCookieName, benchToken(b, auth))
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := auth.GetSession(r); !ok {
				b.Fatal("no session")
			}
		}
	})
	b.Run("cached-parallel", func(b *testing.B) {
		auth := newBenchAuth(b, 0)
		tok := benchToken(b, auth)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := requestWithCookie("/dashboard", authsession.DefaultCookieName, tok)
			for pb.Next() {
				if _, ok := auth.GetSession(r); !ok {
					b.Error("no session")
					return
				}
			}
		})
	})
}
