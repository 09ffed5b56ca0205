// Package benchdata is the one benchmark payload and configuration shared
// by the root package's benchmarks and the bench module, so their figures
// measure the same thing.
package benchdata

import (
	"fmt"
	"strings"
	"time"

	"github.com/authsession/authsession"
)

// Secret is the fixed benchmark secret (32+ bytes). Never use it in
// production.
const Secret = "bench-secret-0123456789abcdefghijkl"

// The library's defaults that the bench module's baselines use: the
// cookie name (the HKDF salt), the leeway and the expiry, as Config
// documents them. NewAuth fails when the library resolves to others.
const (
	CookieName = "session"
	Leeway     = 5 * time.Second
	Expiry     = 7 * 24 * time.Hour
)

// The OAuth-style payload of the benchmarks: a provider's access token (140
// characters) and refresh token (103 characters), shaped like Google's.
var (
	AccessToken  = "ya29.a0AfB_byC" + strings.Repeat("x7Qm2Lk9Pz", 11) + "3vT8wR0sNq0175Ab" // 140 characters
	RefreshToken = "1//0gL5c" + strings.Repeat("Wq4Ht8Rz1Ka", 7) + "nE3mPq7Tz2Bv9YdX-F"     // 103 characters
)

// User is the payload's user, the default authsession.User with id, email,
// name and avatar URL and no extra fields.
var User = authsession.User{
	ID:    "u_8f14e45fceea167a5a36dedd4bea2543",
	Email: "ada.lovelace@example.com",
	Name:  "Ada Lovelace",
	Image: "https://lh3.googleusercontent.com/a/ACg8ocJ4kQ2Vn7sXwZ9pL1dR5tYbM3eHcF8u=s96-c",
}

// Session returns the benchmark payload issued at now: User, AccessToken
// and RefreshToken, about 600 bytes of session JSON (a token of about
// 1,040 characters).
func Session(now time.Time) authsession.Session[authsession.User] {
	now = time.UnixMilli(now.UnixMilli())
	return authsession.Session[authsession.User]{
		User:         User,
		AccessToken:  AccessToken,
		RefreshToken: RefreshToken,
		CreatedAt:    now,
		LastActivity: now,
		ExpiresAt:    now.Add(Expiry),
	}
}

// NewAuth returns an AuthSession with the benchmark rules, Public("/login")
// and Auth("/dashboard/*"). cacheBytes < 0 disables the token cache, 0
// selects the default. Cookies are not Secure, so the load server can run
// on plain HTTP.
func NewAuth(cacheBytes int) (*authsession.AuthSession[authsession.User], error) {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:     Secret,
		CacheBytes: cacheBytes,
		Cookie:     authsession.CookieConfig{Insecure: true},
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth("/dashboard/*"),
		},
	})
	if err != nil {
		return nil, err
	}
	if c := auth.Config; c.Cookie.Name != CookieName || c.Leeway != Leeway || c.Expiry != Expiry {
		return nil, fmt.Errorf("benchdata: the library's defaults are cookie %q, leeway %v, expiry %v; update CookieName, Leeway and Expiry", c.Cookie.Name, c.Leeway, c.Expiry)
	}
	return auth, nil
}
