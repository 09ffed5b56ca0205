package authsession_test

// Tests against the real Auth.js (@auth/core) and NextAuth.js v4
// (next-auth) packages, through testdata/node/interop.mjs: sign-ins by
// their own request handlers, their session endpoint re-encoding the
// token, their encode, decode and getToken. Each test is named TestNode*
// so that scripts/steps/20-node.sh runs it with the packages installed.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

var foreignFormats = []authsession.TokenFormat{authsession.FormatAuthJS, authsession.FormatNextAuthV4}

// nextApp is a Next.js app's side of the tests: its package, secret, URL
// and session.maxAge, driven through interop.mjs.
type nextApp struct {
	node   nodeFunc
	format authsession.TokenFormat
	base   string // "https://…" gives the __Secure- cookie names
	maxAge time.Duration
}

// nodeCmd is a command for interop.mjs from the app's settings.
func (a nextApp) cmd(op string, more map[string]any) map[string]any {
	cmd := map[string]any{"op": op, "format": a.format.String(), "secret": secretA, "base": a.base, "maxAge": int(a.maxAge / time.Second)}
	for k, v := range more {
		cmd[k] = v
	}
	return cmd
}

// signIn signs user in through the package's own handler (Credentials
// provider); claims are added by the jwt callback at sign-in, dropSub
// removes sub. It returns the browser's cookies after the sign-in.
func (a nextApp) signIn(t *testing.T, user map[string]any, claims map[string]any, dropSub bool) map[string]string {
	t.Helper()
	out := a.node(t, a.cmd("signIn", map[string]any{"user": user, "claims": claims, "dropSub": dropSub}))
	var jar map[string]string
	if err := json.Unmarshal(out["cookies"], &jar); err != nil {
		t.Fatal(err)
	}
	return jar
}

// session calls the package's session endpoint with jar, as a Next.js
// page reading the session does; the package re-encodes the token. It
// returns the status and the Set-Cookie cookies.
func (a nextApp) session(t *testing.T, jar map[string]string) (int, json.RawMessage, []*http.Cookie) {
	t.Helper()
	out := a.node(t, a.cmd("session", map[string]any{"cookies": jar}))
	var res struct {
		Status    int
		Body      json.RawMessage
		SetCookie []string
	}
	b, _ := json.Marshal(out)
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return res.Status, res.Body, setCookies(res.SetCookie)
}

// decode is the package's decode of a token under cookie name (the Auth.js
// salt): its claims.
func (a nextApp) decode(t *testing.T, name, token string) map[string]any {
	t.Helper()
	out := a.node(t, map[string]any{"op": "decrypt", "format": a.format.String(), "secret": secretA, "cookieName": name, "token": token})
	var claims map[string]any
	if err := json.Unmarshal(out["payload"], &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// encode is the package's encode of claims, valid for maxAge seconds
// from now (negative: already expired).
func (a nextApp) encode(t *testing.T, name string, claims map[string]any, maxAge int) string {
	t.Helper()
	out := a.node(t, map[string]any{"op": "encrypt", "format": a.format.String(), "secret": secretA, "cookieName": name, "payload": claims, "maxAge": maxAge})
	return jsonString(t, out["token"])
}

// sessionName is the package's session cookie name for the app's URL.
func (a nextApp) sessionName() string {
	name := map[authsession.TokenFormat]string{authsession.FormatAuthJS: authsession.AuthJSCookieName, authsession.FormatNextAuthV4: authsession.NextAuthV4CookieName}[a.format]
	if strings.HasPrefix(a.base, "https:") {
		name = "__Secure-" + name
	}
	return name
}

// token joins the session cookie's chunks in jar (or returns the single
// cookie).
func (a nextApp) token(jar map[string]string) string {
	name := a.sessionName()
	if tok, ok := jar[name]; ok {
		return tok
	}
	var b strings.Builder
	for i := 0; ; i++ {
		v, ok := jar[name+"."+strconv.Itoa(i)]
		if !ok {
			return b.String()
		}
		b.WriteString(v)
	}
}

var bobUser = map[string]any{"id": "u_42", "name": "Bob", "email": "bob@example.com"}

// setCookies parses Set-Cookie lines.
func setCookies(lines []string) []*http.Cookie {
	return (&http.Response{Header: http.Header{"Set-Cookie": lines}}).Cookies()
}

// jarRequest is a request to path carrying the cookies of jar.
func jarRequest(method, path string, jar map[string]string) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	for n, v := range jar {
		r.AddCookie(&http.Cookie{Name: n, Value: v})
	}
	return r
}

// applyCookies returns jar updated by the Set-Cookie cookies of a
// response, as a browser would.
func applyCookies(jar map[string]string, cs []*http.Cookie) map[string]string {
	next := make(map[string]string, len(jar))
	for n, v := range jar {
		next[n] = v
	}
	for _, c := range cs {
		if c.MaxAge < 0 || c.Value == "" {
			delete(next, c.Name)
		} else {
			next[c.Name] = c.Value
		}
	}
	return next
}

// foreignAuth is an AuthSession in format f for an app at base, with a
// settable clock and tweaks.
func foreignAuth(t *testing.T, f authsession.TokenFormat, base string, clk *setClock, tweak func(*authsession.Config[authsession.User])) *authsession.AuthSession[authsession.User] {
	t.Helper()
	cfg := authsession.Config[authsession.User]{
		Secret: secretA, Format: f, Now: clk.Now,
		Cookie: authsession.CookieConfig{Insecure: !strings.HasPrefix(base, "https:")},
		Routes: []authsession.Rule{authsession.Public("/login"), authsession.Auth("/dashboard")},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	return buildAuth(t, cfg)
}

// guardStatus is the status the guard answers GET /dashboard with, the
// cookies it sets, and the session the page saw.
func guardStatus(auth *authsession.AuthSession[authsession.User], jar map[string]string) (int, []*http.Cookie) {
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := auth.GetSession(r); !ok {
			http.Error(w, "page without a session", http.StatusInternalServerError)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, jarRequest("GET", "/dashboard", jar))
	return rec.Code, rec.Result().Cookies()
}

// guardRedirect is the status and Location of the guard's answer to GET
// /dashboard.
func guardRedirect(auth *authsession.AuthSession[authsession.User], jar map[string]string) (int, string) {
	rec := httptest.NewRecorder()
	auth.Middleware(http.NotFoundHandler()).ServeHTTP(rec, jarRequest("GET", "/dashboard", jar))
	return rec.Code, rec.Header().Get("Location")
}

// nullOrSession is the session GET /api/session returns for jar ("null" for
// none), and its status.
func nullOrSession(t *testing.T, auth *authsession.AuthSession[authsession.User], jar map[string]string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	auth.Handlers.ServeHTTP(rec, jarRequest("GET", "/api/session", jar))
	var body struct{ Session json.RawMessage }
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET /api/session: %v", err)
		}
	}
	return rec.Code, string(body.Session)
}

// wantNoSession asserts that jar is no session anywhere: the guard
// redirects to the login page (never a 5xx), GET /api/session answers
// {"session":null}, GetSession finds none and DecryptSession of tok (when
// given) fails with want.
func wantNoSession(t *testing.T, auth *authsession.AuthSession[authsession.User], jar map[string]string, tok string, want error) {
	t.Helper()
	if code, loc := guardRedirect(auth, jar); code != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, "/login?") {
		t.Errorf("guard: got %d to %q, want %d to the login page", code, loc, http.StatusTemporaryRedirect)
	}
	if code, s := nullOrSession(t, auth, jar); code != http.StatusOK || s != "null" {
		t.Errorf("GET /api/session: got %d %s, want 200 null", code, s)
	}
	if _, ok := auth.GetSession(jarRequest("GET", "/", jar)); ok {
		t.Error("GetSession: got a session, want none")
	}
	if tok != "" {
		if _, err := auth.DecryptSession(tok); !errors.Is(err, want) {
			t.Errorf("DecryptSession: got %v, want %v", err, want)
		}
	}
}

// wantSession asserts that jar is a session of user id everywhere.
func wantSession(t *testing.T, auth *authsession.AuthSession[authsession.User], jar map[string]string, id string) authsession.Session[authsession.User] {
	t.Helper()
	if code, _ := guardStatus(auth, jar); code != http.StatusOK {
		t.Errorf("guard: got status %d, want 200", code)
	}
	s, ok := auth.GetSession(jarRequest("GET", "/", jar))
	if !ok || s.User.ID != id {
		t.Errorf("GetSession: got %v, user %q, want a session of %q", ok, s.User.ID, id)
	}
	return s
}

// TestNodeUserIDRequired (point 1): a token without a user id — no sub,
// or an empty one — is no session in the guard, GetSession, the session
// API and DecryptSession, whether the package's encode made it or a real
// sign-in whose jwt callback drops sub.
func TestNodeUserIDRequired(t *testing.T) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			app := nextApp{node: node, format: f, base: "http://app.example", maxAge: time.Hour}
			name := app.sessionName()
			auth := foreignAuth(t, f, app.base, newClockAt(time.Now()), nil)

			withSub := app.signIn(t, bobUser, nil, false)
			wantSession(t, auth, withSub, "u_42")
			noSub := app.signIn(t, bobUser, nil, true)
			if claims := app.decode(t, name, app.token(noSub)); claims["sub"] != nil {
				t.Fatalf("the jwt callback did not drop sub: %v", claims)
			}
			wantNoSession(t, auth, noSub, app.token(noSub), authsession.ErrInvalidToken)

			for _, claims := range []map[string]any{
				{"name": "Bob", "email": "bob@example.com"},
				{"sub": "", "name": "Bob"},
				{"sub": nil, "name": "Bob"},
				{"id": "u_42", "name": "Bob"},
			} {
				tok := app.encode(t, name, claims, 3600)
				wantNoSession(t, auth, map[string]string{name: tok}, tok, authsession.ErrInvalidToken)
			}
		})
	}
}

// setClock is a settable test clock.
type setClock struct{ unixNano atomic.Int64 }

// newClockAt is a clock reading t (whole seconds).
func newClockAt(t time.Time) *setClock {
	c := &setClock{}
	c.Set(t)
	return c
}

// Set makes the clock read t (whole seconds).
func (c *setClock) Set(t time.Time) { c.unixNano.Store(t.Truncate(time.Second).UnixNano()) }

// Now is the time the clock reads.
func (c *setClock) Now() time.Time { return time.Unix(0, c.unixNano.Load()) }

// TestNodeClockSkew (point 2): the foreign formats judge time as Auth.js
// and NextAuth.js do — 15 s of tolerance on exp, none asked of iat — so a
// Go host whose clock is 10 s behind the Next.js host accepts a fresh
// sign-in, and tokens 10 s past exp are accepted by the package and here
// while 20 s past exp are refused by both. Config.Leeway changes the
// tolerance.
func TestNodeClockSkew(t *testing.T) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			app := nextApp{node: node, format: f, base: "http://app.example", maxAge: time.Hour}
			name := app.sessionName()

			// A fresh sign-in: iat is 10 s in the future for a Go clock
			// 10 s behind.
			jar := app.signIn(t, bobUser, nil, false)
			iat := time.Unix(int64(app.decode(t, name, app.token(jar))["iat"].(float64)), 0)
			behind := foreignAuth(t, f, app.base, newClockAt(iat.Add(-10*time.Second)), nil)
			if got := behind.Config.Leeway; got != authsession.DefaultForeignLeeway {
				t.Errorf("Leeway: got %v, want %v", got, authsession.DefaultForeignLeeway)
			}
			wantSession(t, behind, jar, "u_42")

			// Expired by 10 s and by 20 s: the package's decode (on its
			// clock, right away) and this library (on a clock pinned to as
			// long past exp) agree.
			claims := map[string]any{"sub": "u_42", "name": "Bob"}
			within := app.encode(t, name, claims, -10)
			app.decode(t, name, within) // fails the test if the package refuses it
			beyond := app.encode(t, name, claims, -20)
			if msg := nodeError(t, map[string]any{"op": "decrypt", "format": f.String(), "secret": secretA, "cookieName": name, "token": beyond}); !strings.Contains(msg, "exp") {
				t.Errorf("the package refused the token 20 s past exp with %q, want an exp error", msg)
			}
			expOf := func(tok string) time.Time {
				info, err := authsession.InspectToken(authsession.Config[authsession.User]{Secret: secretA, Format: f, Cookie: authsession.CookieConfig{Name: name}}, tok)
				if err != nil {
					t.Fatal(err)
				}
				return info.ExpiresAt
			}
			wantSession(t, foreignAuth(t, f, app.base, newClockAt(expOf(within).Add(10*time.Second)), nil), map[string]string{name: within}, "u_42")
			wantNoSession(t, foreignAuth(t, f, app.base, newClockAt(expOf(beyond).Add(20*time.Second)), nil), map[string]string{name: beyond}, beyond, authsession.ErrTokenExpired)

			// A Go clock 20 s past exp of the fresh sign-in refuses it; 10
			// s past accepts it.
			exp := time.Unix(int64(app.decode(t, name, app.token(jar))["exp"].(float64)), 0)
			wantSession(t, foreignAuth(t, f, app.base, newClockAt(exp.Add(10*time.Second)), func(c *authsession.Config[authsession.User]) { c.DisableAutoRefresh = true }), jar, "u_42")
			wantNoSession(t, foreignAuth(t, f, app.base, newClockAt(exp.Add(20*time.Second)), nil), jar, app.token(jar), authsession.ErrTokenExpired)

			// Config.Leeway sets the tolerance: 5 s refuses the token 10 s
			// past exp.
			strict := foreignAuth(t, f, app.base, newClockAt(expOf(within).Add(10*time.Second)), func(c *authsession.Config[authsession.User]) { c.Leeway = 5 * time.Second })
			wantNoSession(t, strict, map[string]string{name: within}, within, authsession.ErrTokenExpired)
		})
	}
}

// TestNodeStoreRefused (point 3): a Store with a foreign format is refused
// at construction, saying why: the package re-encodes the token with a
// fresh jti — the session id a store keys on — on every session read, as
// its session endpoint shows here.
func TestNodeStoreRefused(t *testing.T) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
				Secret: secretA, Format: f, Store: authsession.NewMemoryStore(authsession.MemoryStoreOptions{}),
			})
			want := "authsession: invalid configuration: Store: not supported with Format " + f.String() + ": the Next.js app re-encodes its session cookie with a fresh jti"
			if !errors.Is(err, authsession.ErrConfig) || err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got %v, want ErrConfig starting %q", err, want)
			}

			app := nextApp{node: node, format: f, base: "http://app.example", maxAge: time.Hour}
			name := app.sessionName()
			jar := app.signIn(t, bobUser, nil, false)
			jti := app.decode(t, name, app.token(jar))["jti"]
			_, _, cs := app.session(t, jar)
			again := app.decode(t, name, app.token(applyCookies(jar, cs)))["jti"]
			if jti == nil || again == nil || jti == again {
				t.Errorf("jti after the session endpoint: got %v, then %v; want a fresh one", jti, again)
			}
		})
	}
}

// TestNodeMaxLifetimeAbsolute (point 4): MaxLifetime counts from the
// sign-in, which the token carries in CreatedAtClaim through the
// package's re-encoding, so an instance with the cache and one without it
// (a restart, another instance) give the same verdicts. A token without
// the claim counts from its iat; a jwt callback that sets the claim at
// sign-in makes the limit absolute for the package's own sign-ins.
func TestNodeMaxLifetimeAbsolute(t *testing.T) {
	node := requireNode(t)
	const day = 24 * time.Hour
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			app := nextApp{node: node, format: f, base: "http://app.example", maxAge: 30 * day}
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
			if claims[authsession.CreatedAtClaim] != float64(signedIn.Unix()) || claims["iat"].(float64) < float64(now.Unix()) {
				t.Fatalf("re-encoded by the package: got %v, want %s %d and a fresh iat", claims, authsession.CreatedAtClaim, signedIn.Unix())
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
			if got := app.decode(t, name, app.token(refreshed))[authsession.CreatedAtClaim]; got != float64(iat.Unix()) {
				t.Errorf("refreshed here: %s got %v, want %d", authsession.CreatedAtClaim, got, iat.Unix())
			}

			// Signed in by the Next.js app nine days ago, with a jwt
			// callback that sets the claim (re-encoded since): one day left.
			nineDaysAgo := now.Add(-9 * day)
			jar = app.signIn(t, bobUser, map[string]any{authsession.CreatedAtClaim: nineDaysAgo.Unix()}, false)
			verdicts(jar, nineDaysAgo, 10*day-time.Hour, true)
			verdicts(jar, nineDaysAgo, 10*day+time.Second, false)
		})
	}
}

// TestNodeRefreshKeepsLifetime (point 5): a session the Next.js app
// issued for 3 days, auto-refreshed here, comes back for 3 days (not
// Config.Expiry's 7), and the package reads it; a MaxLifetime past 30 days
// holds a 60-day session to it.
func TestNodeRefreshKeepsLifetime(t *testing.T) {
	node := requireNode(t)
	const day = 24 * time.Hour
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			app := nextApp{node: node, format: f, base: "http://app.example", maxAge: 3 * day}
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
	node := requireNode(t)
	want := map[authsession.TokenFormat]int{authsession.FormatAuthJS: 3936, authsession.FormatNextAuthV4: 3933}
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			app := nextApp{node: node, format: f, base: "https://app.example", maxAge: time.Hour}
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
			node(t, map[string]any{"op": "getToken", "format": f.String(), "secret": secretA, "cookieName": name, "cookies": huge})
			wantNoSession(t, auth, huge, tok, authsession.ErrInvalidToken)
			roomy := foreignAuth(t, f, app.base, newClockAt(time.Now()), func(c *authsession.Config[authsession.User]) { c.MaxCookieBytes = 32 << 10 })
			wantSession(t, roomy, huge, "u_42")
		})
	}
}

// TestNodeBothCookieNames (point 7): behind a TLS-terminating proxy the
// Next.js app names its cookie with or without "__Secure-" depending on
// the scheme it sees. With Cookie.AcceptBothNames one configuration reads
// both, each under its own key, and re-issues a session under the name it
// came with, which the package then reads; without the option, only the
// configured name is a session.
func TestNodeBothCookieNames(t *testing.T) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			secure := nextApp{node: node, format: f, base: "https://app.example", maxAge: time.Hour}
			plain := nextApp{node: node, format: f, base: "http://app.example", maxAge: time.Hour}
			both := foreignAuth(t, f, secure.base, newClockAt(time.Now()), func(c *authsession.Config[authsession.User]) { c.Cookie.AcceptBothNames = true })
			only := foreignAuth(t, f, secure.base, newClockAt(time.Now()), nil)
			for _, app := range []nextApp{secure, plain} {
				jar := app.signIn(t, bobUser, nil, false)
				wantSession(t, both, jar, "u_42")
				if app.base == plain.base {
					wantNoSession(t, only, jar, "", nil)
				} else {
					wantSession(t, only, jar, "u_42")
				}
				rec := httptest.NewRecorder()
				if _, err := both.RefreshSession(rec, jarRequest("GET", "/", jar)); err != nil {
					t.Fatal(err)
				}
				c := cookieNamed(rec.Result().Cookies(), app.sessionName())
				if c == nil || len(rec.Result().Cookies()) != 1 {
					t.Fatalf("%s: refreshed: got cookies %v, want only %s", app.base, rec.Result().Cookies(), app.sessionName())
				}
				if c.Secure != true {
					t.Errorf("%s: re-issued cookie not Secure", app.base)
				}
				if status, body, _ := app.session(t, applyCookies(jar, rec.Result().Cookies())); status != http.StatusOK || !strings.Contains(string(body), `"name":"Bob"`) {
					t.Errorf("%s: the package's session endpoint on the re-issued cookie: got %d %s, want 200 with Bob", app.base, status, body)
				}
			}
			// A new session goes to the configured name.
			rec := httptest.NewRecorder()
			if _, err := both.CreateSession(rec, httptest.NewRequest("POST", "/login", nil), userBob); err != nil {
				t.Fatal(err)
			}
			if cs := rec.Result().Cookies(); len(cs) != 1 || cs[0].Name != secure.sessionName() {
				t.Errorf("CreateSession: got cookies %v, want only %s", cs, secure.sessionName())
			}
		})
	}
	_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: secretA, Cookie: authsession.CookieConfig{Name: "__Host-session", AcceptBothNames: true}})
	if !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "Cookie.AcceptBothNames") {
		t.Errorf("AcceptBothNames with a __Host- name: got %v, want a configuration error naming Cookie.AcceptBothNames", err)
	}
}

// TestNodeSignOutClearsAuxCookies (point 7): DeleteSession in a foreign
// format clears the session cookie and the CSRF and callback-URL cookies a
// real sign-in left, under the names the package gave them (__Host- and
// __Secure- over HTTPS, plain over HTTP), with the attributes a browser
// needs to accept the deletion.
func TestNodeSignOutClearsAuxCookies(t *testing.T) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		for _, base := range []string{"https://app.example", "http://app.example"} {
			t.Run(f.String()+"/"+base[:strings.Index(base, ":")], func(t *testing.T) {
				t.Parallel()
				app := nextApp{node: node, format: f, base: base, maxAge: time.Hour}
				jar := app.signIn(t, bobUser, nil, false)
				if len(jar) != 3 {
					t.Fatalf("sign-in left cookies %v, want the session, CSRF and callback-URL cookies", jar)
				}
				jar["theme"] = "dark"
				auth := foreignAuth(t, f, base, newClockAt(time.Now()), nil)
				rec := httptest.NewRecorder()
				if err := auth.DeleteSession(rec, jarRequest("POST", "/logout", jar)); err != nil {
					t.Fatal(err)
				}
				cleared := map[string]*http.Cookie{}
				for _, c := range rec.Result().Cookies() {
					if c.MaxAge >= 0 {
						t.Errorf("DeleteSession set %s, want it cleared", c.Name)
					}
					cleared[c.Name] = c
				}
				for name := range jar {
					c := cleared[name]
					switch {
					case name == "theme":
						if c != nil {
							t.Errorf("DeleteSession cleared the app's %s cookie", name)
						}
					case c == nil:
						t.Errorf("DeleteSession left %s", name)
					case strings.HasPrefix(name, "__") && !c.Secure, strings.HasPrefix(name, "__Host-") && (c.Path != "/" || c.Domain != ""):
						t.Errorf("%s cleared with Secure=%v Path=%q Domain=%q: a browser ignores that", name, c.Secure, c.Path, c.Domain)
					}
				}
				if len(cleared) != 3 {
					t.Errorf("DeleteSession cleared %d cookies, want 3: %v", len(cleared), rec.Result().Cookies())
				}
			})
		}
	}
}

// TestNodeBadForeignCookies: cookies the package made, then broken —
// truncated, tampered with, expired, oversized, a chunk missing, of the
// other format or under the other cookie name — and plain garbage are no
// session in the guard, the session API, GetSession and DecryptSession,
// never a 5xx.
func TestNodeBadForeignCookies(t *testing.T) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			app := nextApp{node: node, format: f, base: "http://app.example", maxAge: time.Hour}
			name := app.sessionName()
			auth := foreignAuth(t, f, app.base, newClockAt(time.Now()), nil)
			other := nextApp{node: node, format: foreignFormats[1-indexOf(foreignFormats, f)], base: app.base, maxAge: time.Hour}
			good := app.token(app.signIn(t, bobUser, nil, false))
			chunked := app.signIn(t, bobUser, map[string]any{"bio": strings.Repeat("b", 6000)}, false)
			delete(chunked, name+".1")
			flipped := []byte(good)
			flipped[len(flipped)/2] ^= 1
			claims := map[string]any{"sub": "u_42"}
			for _, tt := range []struct {
				name string
				jar  map[string]string
				tok  string
			}{
				{"truncated", map[string]string{name: good[:len(good)-10]}, good[:len(good)-10]},
				{"tampered", map[string]string{name: string(flipped)}, string(flipped)},
				{"expired", nil, app.encode(t, name, claims, -60)},
				{"oversized", nil, app.encode(t, name, map[string]any{"sub": "u_42", "bio": strings.Repeat("b", 20000)}, 3600)},
				{"missing chunk", chunked, ""},
				{"other format", nil, other.encode(t, other.sessionName(), claims, 3600)},
				{"other cookie name", nil, app.encode(t, "__Secure-"+name, claims, 3600)},
				{"garbage", map[string]string{name: "not.a.token.at.all"}, "not.a.token.at.all"},
			} {
				jar := tt.jar
				if jar == nil {
					jar = map[string]string{name: tt.tok}
				}
				if tt.name == "other cookie name" && f == authsession.FormatNextAuthV4 {
					continue // its key does not depend on the cookie name
				}
				t.Run(tt.name, func(t *testing.T) {
					want := authsession.ErrInvalidToken
					if tt.name == "expired" {
						want = authsession.ErrTokenExpired
					}
					wantNoSession(t, auth, jar, tt.tok, want)
				})
			}
		})
	}
}

func indexOf[T comparable](s []T, v T) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
