package authsession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
)

// newBenchAuth returns the benchmarks' AuthSession (see
// internal/benchdata). cacheBytes < 0 disables the token cache.
func newBenchAuth(tb testing.TB, cacheBytes int) *authsession.AuthSession[authsession.User] {
	tb.Helper()
	auth, err := benchdata.NewAuth(cacheBytes)
	if err != nil {
		tb.Fatal(err)
	}
	return auth
}

// benchToken returns a fresh valid token for benchSession.
func benchToken(tb testing.TB, auth *authsession.AuthSession[authsession.User]) string {
	tb.Helper()
	tok, err := auth.EncryptSession(benchdata.Session(time.Now()))
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func requestWithCookie(path, name, token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		r.Header.Set("Cookie", name+"="+token)
	}
	return r
}

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

func BenchmarkDecryptSession(b *testing.B) {
	auth := newBenchAuth(b, -1)
	tok := benchToken(b, auth)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.DecryptSession(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptSession(b *testing.B) {
	auth := newBenchAuth(b, -1)
	s := benchdata.Session(time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.EncryptSession(s); err != nil {
			b.Fatal(err)
		}
	}
}
