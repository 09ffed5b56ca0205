// Package benchdata is the one benchmark payload and configuration shared
// by the root package's benchmarks and the bench module, so their figures
// measure the same thing.
package benchdata

import (
	"time"

	"github.com/authsession/authsession"
)

// Secret is the fixed benchmark secret (32+ bytes). Never use it in
// production.
const Secret = "bench-secret-0123456789abcdefghijkl"

// Session returns the benchmark payload issued at now: a user with id,
// email, name, role and two permissions plus an access token, about 370
// bytes of session JSON.
func Session(now time.Time) authsession.Session[authsession.User] {
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
		AccessToken:  "at_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-9c1e2f7a",
		CreatedAt:    now,
		LastActivity: now,
		ExpiresAt:    now.Add(authsession.DefaultExpiry),
	}
}

// NewAuth returns an AuthSession with the benchmark rules, Public("/login")
// and Auth("/dashboard/*"). cacheBytes < 0 disables the token cache, 0
// selects the default. Cookies are not Secure, so the load server can run
// on plain HTTP.
func NewAuth(cacheBytes int) (*authsession.AuthSession[authsession.User], error) {
	return authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:     Secret,
		CacheBytes: cacheBytes,
		Cookie:     authsession.CookieConfig{Insecure: true},
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth("/dashboard/*"),
		},
	})
}
