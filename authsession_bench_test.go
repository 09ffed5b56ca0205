package authsession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// benchSecret is a fixed 32-byte test secret; never use it in production.
const benchSecret = "bench-secret-0123456789abcdefghijkl"

// benchSession is the payload every benchmark uses: a user with id, email,
// name, role and two permissions plus an access token, about 370 bytes of
// session JSON.
func benchSession(now time.Time) authsession.Session[authsession.User] {
	now = time.UnixMilli(now.UnixMilli())
	return authsession.Session[authsession.User]{
		User: authsession.User{
			ID:    "u_8f14e45fceea167a5a36dedd4bea2543",
			Email: "ada.lovelace@example.com",
			Name:  "Ada Lovelace",
			Extra: map[string]any{
				"role":        "admin",
				"permissions": []any{"reports:read", "billing:write"},
			},
		},
		AccessToken:  "at_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-9c1e2f7a",
		CreatedAt:    now,
		LastActivity: now,
		ExpiresAt:    now.Add(authsession.DefaultExpiry),
	}
}

// newBenchAuth returns an AuthSession with the benchmarks' rules, a
// Public("/login") and an Auth("/dashboard/*") rule. cacheBytes < 0
// disables the token cache.
func newBenchAuth(tb testing.TB, cacheBytes int) *authsession.AuthSession[authsession.User] {
	tb.Helper()
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:     benchSecret,
		CacheBytes: cacheBytes,
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth("/dashboard/*"),
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return auth
}

// benchToken returns a fresh valid token for benchSession.
func benchToken(tb testing.TB, auth *authsession.AuthSession[authsession.User]) string {
	tb.Helper()
	tok, err := auth.EncryptSession(benchSession(time.Now()))
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
	s := benchSession(time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := auth.EncryptSession(s); err != nil {
			b.Fatal(err)
		}
	}
}
