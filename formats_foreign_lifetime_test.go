package authsession_test

// Lifetimes and sizes of Auth.js and NextAuth.js sessions against the
// real packages (formats_foreign_nextjs_test.go has the fixtures).

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// TestNodeMaxLifetimeAbsolute (point 4): MaxLifetime counts from the
// sign-in, which the token carries in "authsession_created_at" through the
// package's re-encoding, so an instance with the cache and one without it
// (a restart, another instance) give the same verdicts. A token without
// the claim counts from its iat; a jwt callback that sets the claim at
// sign-in makes the limit absolute for the package's own sign-ins.
func TestNodeMaxLifetimeAbsolute(t *testing.T) {
	forEachFormat(t, func(t *testing.T, app nextApp) {
		f := app.format
		app.maxAge = 30 * day
		name := app.sessionName()
		now := time.Now().Truncate(time.Second)
		clkA, clkB := newClockAt(now), newClockAt(now)
		lifetimes := func(c *authsession.Config[authsession.User]) { c.MaxLifetime, c.Expiry = 10*day, 7*day }
		cached := foreignAuth(t, f, app.base, clkA, lifetimes)
		uncached := foreignAuth(t, f, app.base, clkB, func(c *authsession.Config[authsession.User]) { lifetimes(c); c.CacheBytes = -1 })
		// verdicts checks jar on both instances at created + d.
		verdicts := func(jar map[string]string, created time.Time, d time.Duration, want bool) {
			t.Helper()
			clkA.Set(created.Add(d))
			clkB.Set(created.Add(d))
			for _, auth := range []*authsession.AuthSession[authsession.User]{cached, uncached} {
				s, ok := auth.GetSession(jarRequest("GET", "/", jar))
				if ok != want || ok && !s.CreatedAt.Equal(created) {
					t.Errorf("cache %d, created + %v: got session %v (created %v), want %v (created %v)", auth.Config.CacheBytes, d, ok, s.CreatedAt, want, created)
				}
				if _, err := auth.DecryptSession(app.token(jar)); !want && !errors.Is(err, authsession.ErrMaxLifetime) {
					t.Errorf("cache %d, created + %v: DecryptSession got %v, want ErrMaxLifetime", auth.Config.CacheBytes, d, err)
				}
			}
		}

		// Signed in here five days ago; the Next.js app has re-encoded
		// the token since (new iat, exp and jti): the claim survives.
		signedIn := now.Add(-5 * day)
		clkA.Set(signedIn)
		rec := httptest.NewRecorder()
		if _, err := cached.CreateSession(rec, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_42", Name: "Bob"}); err != nil {
			t.Fatal(err)
		}
		_, _, cs := app.session(t, applyCookies(nil, rec.Result().Cookies()))
		jar := applyCookies(nil, cs)
		claims := app.decode(t, name, app.token(jar))
		if claims[createdAtClaim] != float64(signedIn.Unix()) || claims["iat"].(float64) < float64(now.Unix()) {
			t.Fatalf("re-encoded by the package: got %v, want %s %d and a fresh iat", claims, createdAtClaim, signedIn.Unix())
		}
		verdicts(jar, signedIn, 10*day-time.Hour, true)
		verdicts(jar, signedIn, 10*day+time.Second, false)

		// Signed in by the Next.js app, without the claim: from iat.
		jar = app.signIn(t, bobUser, nil, false)
		iat := time.Unix(int64(app.decode(t, name, app.token(jar))["iat"].(float64)), 0)
		verdicts(jar, iat, 10*day-time.Hour, true)
		verdicts(jar, iat, 10*day+time.Second, false)
		// A refresh here stamps the claim with that iat.
		clkA.Set(iat.Add(2 * day))
		rec = httptest.NewRecorder()
		if _, err := cached.RefreshSession(rec, jarRequest("GET", "/", jar)); err != nil {
			t.Fatal(err)
		}
		refreshed := applyCookies(jar, rec.Result().Cookies())
		if got := app.decode(t, name, app.token(refreshed))[createdAtClaim]; got != float64(iat.Unix()) {
			t.Errorf("refreshed here: %s got %v, want %d", createdAtClaim, got, iat.Unix())
		}

		// Signed in by the Next.js app nine days ago, with a jwt
		// callback that sets the claim (re-encoded since): one day left.
		nineDaysAgo := now.Add(-9 * day)
		jar = app.signIn(t, bobUser, map[string]any{createdAtClaim: nineDaysAgo.Unix()}, false)
		verdicts(jar, nineDaysAgo, 10*day-time.Hour, true)
		verdicts(jar, nineDaysAgo, 10*day+time.Second, false)
	})
}

// TestNodeRefreshKeepsLifetime (point 5): a session the Next.js app
// issued for 3 days, auto-refreshed here, comes back for 3 days (not
// Config.Expiry's 7), and the package reads it; a MaxLifetime past 30 days
// holds a 60-day session to it.
func TestNodeRefreshKeepsLifetime(t *testing.T) {
	forEachFormat(t, func(t *testing.T, app nextApp) {
		f := app.format
		app.maxAge = 3 * day
		name := app.sessionName()
		jar := app.signIn(t, bobUser, nil, false)
		iat := time.Unix(int64(app.decode(t, name, app.token(jar))["iat"].(float64)), 0)

		// Past the refresh threshold (1 day): the guard re-issues it.
		later := iat.Add(36 * time.Hour)
		auth := foreignAuth(t, f, app.base, newClockAt(later), nil)
		code, cs := guardStatus(auth, jar)
		c := cookieNamed(cs, name)
		if code != http.StatusOK || c == nil {
			t.Fatalf("guard: got %d and cookie %v, want 200 and a re-issued %s", code, c, name)
		}
		if c.MaxAge != int(3*day/time.Second) {
			t.Errorf("re-issued cookie Max-Age: got %d, want %d (3 days)", c.MaxAge, 3*day/time.Second)
		}
		claims := app.decode(t, name, c.Value)
		if got := claims["exp"].(float64) - claims["iat"].(float64); got != float64(3*day/time.Second) || claims["iat"] != float64(later.Unix()) {
			t.Errorf("re-issued token read by the package: exp - iat = %v, iat %v; want 3 days from %d", got, claims["iat"], later.Unix())
		}
		if status, body, _ := app.session(t, applyCookies(jar, cs)); status != http.StatusOK || !strings.Contains(string(body), `"name":"Bob"`) {
			t.Errorf("the package's session endpoint on the re-issued cookie: got %d %s, want 200 with Bob", status, body)
		}

		// A 60-day app: MaxLifetime 90 days is accepted with the
		// default Expiry, and a refresh on day 40 ends on day 90.
		app.maxAge = 60 * day
		jar = app.signIn(t, bobUser, nil, false)
		iat = time.Unix(int64(app.decode(t, name, app.token(jar))["iat"].(float64)), 0)
		long := foreignAuth(t, f, app.base, newClockAt(iat.Add(40*day)), func(c *authsession.Config[authsession.User]) { c.MaxLifetime = 90 * day })
		_, cs = guardStatus(long, jar)
		if c = cookieNamed(cs, name); c == nil {
			t.Fatalf("guard on day 40: no re-issued %s", name)
		}
		if got := app.decode(t, name, c.Value)["exp"]; got != float64(iat.Add(90*day).Unix()) {
			t.Errorf("refreshed on day 40: exp %v, want %d (day 90: MaxLifetime)", got, iat.Add(90*day).Unix())
		}
		wantSession(t, foreignAuth(t, f, app.base, newClockAt(iat.Add(89*day)), func(c *authsession.Config[authsession.User]) { c.MaxLifetime = 90 * day }), applyCookies(jar, cs), "u_42")
	})
}

// chunkSizes returns the value lengths of the session cookie's chunks
// name.0, name.1, … in cs (or jar), in order.
func chunkSizes(values map[string]string, name string) []int {
	var sizes []int
	for i := 0; ; i++ {
		v, ok := values[name+"."+strconv.Itoa(i)]
		if !ok {
			return sizes
		}
		sizes = append(sizes, len(v))
	}
}

// TestNodeChunkSizes (point 6): a session too large for one cookie is
// split here at the size the package splits it (Auth.js 3936 bytes,
// NextAuth.js v4 3933), and the package reads the chunks written here. A
// token over Config.MaxCookieBytes (16 KiB by default), which the package
// reads, is no session until MaxCookieBytes is raised.
func TestNodeChunkSizes(t *testing.T) {
	want := map[authsession.TokenFormat]int{authsession.FormatAuthJS: 3936, authsession.FormatNextAuthV4: 3933}
	forEachFormat(t, func(t *testing.T, app nextApp) {
		f := app.format
		app.base = "https://app.example"
		name := app.sessionName()
		jar := app.signIn(t, bobUser, map[string]any{"bio": strings.Repeat("b", 6000)}, false)
		theirs := chunkSizes(jar, name)
		if len(theirs) < 2 || theirs[0] != want[f] {
			t.Fatalf("the package's chunks: got sizes %v, want chunks of %d", theirs, want[f])
		}

		auth := foreignAuth(t, f, app.base, newClockAt(time.Now()), nil)
		wantSession(t, auth, jar, "u_42")
		rec := httptest.NewRecorder()
		if _, err := auth.RefreshSession(rec, jarRequest("GET", "/", jar)); err != nil {
			t.Fatal(err)
		}
		refreshed := applyCookies(jar, rec.Result().Cookies())
		ours := chunkSizes(refreshed, name)
		if len(ours) != len(theirs) || ours[0] != want[f] || ours[len(ours)-2] != want[f] {
			t.Errorf("chunks written here: got sizes %v, want chunks of %d like the package's %v", ours, want[f], theirs)
		}
		if status, body, _ := app.session(t, refreshed); status != http.StatusOK || !strings.Contains(string(body), `"name":"Bob"`) {
			t.Errorf("the package's session endpoint on chunks written here: got %d %s, want 200 with Bob", status, body)
		}

		// Over 16 KiB: the package's getToken reads it; here it needs
		// MaxCookieBytes.
		big := map[string]any{"sub": "u_42", "bio": strings.Repeat("b", 15000)}
		tok := app.encode(t, name, big, 3600)
		if len(tok) <= authsession.DefaultMaxCookieBytes {
			t.Fatalf("token of %d bytes, want one over %d", len(tok), authsession.DefaultMaxCookieBytes)
		}
		huge := map[string]string{}
		for i, rest := 0, tok; len(rest) > 0; i++ {
			n := min(want[f], len(rest))
			huge[name+"."+strconv.Itoa(i)], rest = rest[:n], rest[n:]
		}
		app.node(t, map[string]any{"op": "getToken", "format": string(f), "secret": secretA, "cookieName": name, "cookies": huge})
		wantNoSession(t, auth, huge, tok, authsession.ErrInvalidToken)
		roomy := foreignAuth(t, f, app.base, newClockAt(time.Now()), func(c *authsession.Config[authsession.User]) { c.MaxCookieBytes = 32 << 10 })
		wantSession(t, roomy, huge, "u_42")
	})
}
