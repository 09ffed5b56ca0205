package authsession_test

// Tests of the foreign formats that need no Node.js (the same behaviour
// against the real packages is in interop_nextjs_test.go).

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

const day = 24 * time.Hour

// foreignTestAuth is newAuth in format f over plain HTTP, with tweaks.
func foreignTestAuth(t *testing.T, f authsession.TokenFormat, clk *clock, tweak func(*authsession.Config[authsession.User])) *authsession.AuthSession[authsession.User] {
	t.Helper()
	return newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.Format, c.Cookie.Insecure = f, true
		if tweak != nil {
			tweak(c)
		}
	})
}

// sessionToken is the token of the session cookie in cs (unchunked).
func sessionToken(t *testing.T, a *authsession.AuthSession[authsession.User], cs []*http.Cookie) string {
	t.Helper()
	c := cookieNamed(cs, a.Config.Cookie.Name)
	if c == nil {
		t.Fatalf("no %s cookie in %v", a.Config.Cookie.Name, cs)
	}
	return c.Value
}

func TestForeignLeewayDefault(t *testing.T) {
	for _, tt := range []struct {
		format authsession.TokenFormat
		leeway time.Duration
		want   time.Duration
	}{
		{authsession.FormatDefault, 0, authsession.DefaultLeeway},
		{authsession.FormatAuthJS, 0, 15 * time.Second},
		{authsession.FormatNextAuthV4, 0, 15 * time.Second},
		{authsession.FormatAuthJS, 2 * time.Second, 2 * time.Second},
		{authsession.FormatNextAuthV4, -1, 0},
	} {
		a := buildAuth(t, authsession.Config[authsession.User]{Secret: testSecret, Format: tt.format, Leeway: tt.leeway})
		if a.Config.Leeway != tt.want {
			t.Errorf("%v, Leeway %v: got %v, want %v", tt.format, tt.leeway, a.Config.Leeway, tt.want)
		}
	}
}

// TestForeignCacheAgreesWithDecode (point 4): after a refresh, the cached
// session and one decoded by an instance without the cache have the same
// times — the creation time the token carries included — and both end at
// the sign-in plus MaxLifetime.
func TestForeignCacheAgreesWithDecode(t *testing.T) {
	for _, f := range foreignFormats {
		t.Run(string(f), func(t *testing.T) {
			clk := newClock()
			clk.Add(1500 * time.Millisecond)
			cached := foreignTestAuth(t, f, clk, nil)
			cfg := cached.Config
			cfg.CacheBytes = -1
			uncached := buildAuth(t, cfg)
			s, cs := signIn(t, cached, testUser)

			clk.Add(2 * day)
			rec := httptest.NewRecorder()
			if _, err := cached.RefreshSession(rec, requestWith(cs)); err != nil {
				t.Fatal(err)
			}
			cs = rec.Result().Cookies()
			got, ok := cached.GetSession(requestWith(cs))
			if !ok {
				t.Fatal("GetSession after the refresh: no session")
			}
			dec, err := uncached.DecryptSession(sessionToken(t, cached, cs))
			if err != nil {
				t.Fatal(err)
			}
			signedIn := s.CreatedAt.Truncate(time.Second)
			for _, p := range []struct {
				name                  string
				cached, decoded, want time.Time
			}{
				{"CreatedAt", got.CreatedAt, dec.CreatedAt, signedIn},
				{"LastActivity", got.LastActivity, dec.LastActivity, clk.Now().Truncate(time.Second)},
				{"ExpiresAt", got.ExpiresAt, dec.ExpiresAt, clk.Now().Add(7 * day).Truncate(time.Second)},
			} {
				if !p.cached.Equal(p.want) || !p.decoded.Equal(p.want) {
					t.Errorf("%s: got %v cached and %v decoded, want %v", p.name, p.cached, p.decoded, p.want)
				}
			}

			clk.Add(signedIn.Add(30*day + time.Second).Sub(clk.Now()))
			for _, a := range []*authsession.AuthSession[authsession.User]{cached, uncached} {
				if _, ok := a.GetSession(requestWith(cs)); ok {
					t.Errorf("cache %d: a session past MaxLifetime from the sign-in", a.Config.CacheBytes)
				}
			}
		})
	}
}

// TestForeignRefreshKeepsTokenLifetime (point 5): a refresh extends a
// foreign session by the lifetime its token was issued with (exp - iat),
// also after an update re-encoded it; the default format uses Expiry.
func TestForeignRefreshKeepsTokenLifetime(t *testing.T) {
	for _, tt := range []struct {
		format authsession.TokenFormat
		want   time.Duration
	}{
		{authsession.FormatAuthJS, 3 * day},
		{authsession.FormatNextAuthV4, 3 * day},
		{authsession.FormatDefault, 7 * day},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			clk := newClock()
			a := foreignTestAuth(t, tt.format, clk, nil)
			now := clk.Now()
			tok, err := a.EncryptSession(authsession.Session[authsession.User]{User: testUser, CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(3 * day)})
			if err != nil {
				t.Fatal(err)
			}
			cs := []*http.Cookie{{Name: a.Config.Cookie.Name, Value: tok}}
			for i, step := range []time.Duration{36 * time.Hour, 25 * time.Hour} {
				clk.Add(time.Hour)
				rec := httptest.NewRecorder()
				if _, err := a.UpdateSession(rec, requestWith(cs), func(s *authsession.Session[authsession.User]) error {
					s.User.Name = "Ann " + time.Duration(i).String()
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				cs = rec.Result().Cookies()
				clk.Add(step - time.Hour)
				rec = httptest.NewRecorder()
				s, err := a.RefreshSession(rec, requestWith(cs))
				if err != nil {
					t.Fatal(err)
				}
				cs = rec.Result().Cookies()
				if got := s.ExpiresAt.Sub(clk.Now()); got != tt.want {
					t.Errorf("refresh %d: extended by %v, want %v", i, got, tt.want)
				}
				if c := cookieNamed(cs, a.Config.Cookie.Name); c == nil || c.MaxAge != int(tt.want/time.Second) {
					t.Errorf("refresh %d: cookie %v, want Max-Age %d", i, c, tt.want/time.Second)
				}
			}
		})
	}
}

// TestForeignClaimsCarried: the claims a foreign token carries, as
// inspectToken shows them: the creation time, and an iat that an update
// leaves at the last issue.
func TestForeignClaimsCarried(t *testing.T) {
	clk := newClock()
	a := foreignTestAuth(t, authsession.FormatAuthJS, clk, nil)
	s, cs := signIn(t, a, testUser)
	clk.Add(time.Hour)
	rec := httptest.NewRecorder()
	if _, err := a.UpdateSession(rec, requestWith(cs), func(s *authsession.Session[authsession.User]) error { s.User.Name = "Bo"; return nil }); err != nil {
		t.Fatal(err)
	}
	info, err := inspectToken(a.Config, sessionToken(t, a, rec.Result().Cookies()))
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(info.Claims, &claims); err != nil {
		t.Fatal(err)
	}
	want := float64(s.CreatedAt.Unix())
	if claims[createdAtClaim] != want || claims["iat"] != want || claims["exp"] != float64(s.ExpiresAt.Unix()) || claims["name"] != "Bo" {
		t.Errorf("claims after an update: got %v, want %s and iat %v, exp %v, name Bo", claims, createdAtClaim, want, s.ExpiresAt.Unix())
	}
}

// TestAcceptBothNames: with Cookie.AcceptBothNames a session under either
// name is read and re-issued under its name (each under its own key);
// without it, only Cookie.Name is read.
func TestAcceptBothNames(t *testing.T) {
	for _, f := range []authsession.TokenFormat{authsession.FormatDefault, authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		t.Run(string(f), func(t *testing.T) {
			clk := newClock()
			secure := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Format, c.Cookie.Name = f, "__Secure-sid" })
			plain := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
				c.Format, c.Cookie.Name, c.Cookie.Insecure = f, "sid", true
			})
			both := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
				c.Format, c.Cookie.Name, c.Cookie.AcceptBothNames = f, "__Secure-sid", true
			})
			for _, from := range []*authsession.AuthSession[authsession.User]{secure, plain} {
				_, cs := signIn(t, from, testUser)
				if _, ok := both.GetSession(requestWith(cs)); !ok {
					t.Errorf("%s: no session", from.Config.Cookie.Name)
				}
				_, ok := secure.GetSession(requestWith(cs))
				if want := from == secure; ok != want {
					t.Errorf("%s without AcceptBothNames: got a session %v, want %v", from.Config.Cookie.Name, ok, want)
				}
				clk.Add(time.Minute)
				rec := httptest.NewRecorder()
				if _, err := both.RefreshSession(rec, requestWith(cs)); err != nil {
					t.Fatal(err)
				}
				out := rec.Result().Cookies()
				if len(out) != 1 || out[0].Name != from.Config.Cookie.Name || !out[0].Secure {
					t.Fatalf("%s: re-issued %v, want one Secure %s cookie", from.Config.Cookie.Name, out, from.Config.Cookie.Name)
				}
				if _, ok := from.GetSession(requestWith(out)); !ok {
					t.Errorf("%s: the re-issued cookie is no session for its name's configuration", from.Config.Cookie.Name)
				}
			}
		})
	}
}

// TestDeleteSessionClearsAuxCookies: DeleteSession in a foreign format
// also clears the format's CSRF and callback-URL cookies the request
// carries, and nothing else; the default format clears only its own.
func TestDeleteSessionClearsAuxCookies(t *testing.T) {
	for _, tt := range []struct {
		format      authsession.TokenFormat
		sent, clear []string
	}{
		{authsession.FormatAuthJS,
			[]string{"__Host-authjs.csrf-token", "authjs.csrf-token", "__Secure-authjs.callback-url", "authjs.callback-url", "next-auth.csrf-token", "theme"},
			[]string{"__Host-authjs.csrf-token", "authjs.csrf-token", "__Secure-authjs.callback-url", "authjs.callback-url"}},
		{authsession.FormatNextAuthV4,
			[]string{"__Host-next-auth.csrf-token", "next-auth.callback-url", "authjs.csrf-token"},
			[]string{"__Host-next-auth.csrf-token", "next-auth.callback-url"}},
		{authsession.FormatDefault, []string{"authjs.csrf-token", "next-auth.callback-url"}, nil},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			a := foreignTestAuth(t, tt.format, newClock(), nil)
			_, cs := signIn(t, a, testUser)
			r := requestWith(cs)
			for _, n := range tt.sent {
				r.AddCookie(&http.Cookie{Name: n, Value: "v"})
			}
			rec := httptest.NewRecorder()
			if err := a.DeleteSession(rec, r); err != nil {
				t.Fatal(err)
			}
			cleared := map[string]*http.Cookie{}
			for _, c := range rec.Result().Cookies() {
				cleared[c.Name] = c
			}
			if c := cleared[a.Config.Cookie.Name]; c == nil || c.MaxAge >= 0 {
				t.Errorf("session cookie: got %v, want it cleared", c)
			}
			delete(cleared, a.Config.Cookie.Name)
			for _, n := range tt.clear {
				c := cleared[n]
				if c == nil || c.MaxAge >= 0 || c.Path != "/" || c.Domain != "" || (n[0] == '_') != c.Secure {
					t.Errorf("%s: got %v, want it cleared with Path /, no Domain, Secure only when prefixed", n, c)
				}
				delete(cleared, n)
			}
			if len(cleared) != 0 {
				t.Errorf("also cleared: %v", cleared)
			}
		})
	}
}

// createdAtClaim is the claim in which the foreign formats carry the
// session's creation time (docs/nextjs.md).
const createdAtClaim = "authsession_created_at"
