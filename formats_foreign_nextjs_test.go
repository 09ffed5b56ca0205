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
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/memstore"
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
	cmd := map[string]any{"op": op, "format": string(a.format), "secret": secretA, "base": a.base, "maxAge": int(a.maxAge / time.Second)}
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
	out := a.node(t, map[string]any{"op": "decrypt", "format": string(a.format), "secret": secretA, "cookieName": name, "token": token})
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
	out := a.node(t, map[string]any{"op": "encrypt", "format": string(a.format), "secret": secretA, "cookieName": name, "payload": claims, "maxAge": maxAge})
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
func foreignAuth(t *testing.T, f authsession.TokenFormat, base string, clk *testclock.Clock, tweak func(*authsession.Config[authsession.User])) *authsession.AuthSession[authsession.User] {
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
	forEachFormat(t, func(t *testing.T, app nextApp) {
		f := app.format
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

// forEachFormat runs test for each foreign format, in parallel subtests,
// with a Next.js app at http://app.example whose sessions last an hour.
func forEachFormat(t *testing.T, test func(t *testing.T, app nextApp)) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			test(t, nextApp{node: node, format: f, base: "http://app.example", maxAge: time.Hour})
		})
	}
}

// newClockAt is a clock reading t in whole seconds, as the Node.js
// packages' claims carry it.
func newClockAt(t time.Time) *testclock.Clock { return testclock.New(t.Truncate(time.Second)) }

// TestNodeClockSkew (point 2): the foreign formats judge time as Auth.js
// and NextAuth.js do — 15 s of tolerance on exp, none asked of iat — so a
// Go host whose clock is 10 s behind the Next.js host accepts a fresh
// sign-in, and tokens 10 s past exp are accepted by the package and here
// while 20 s past exp are refused by both. Config.Leeway changes the
// tolerance.
func TestNodeClockSkew(t *testing.T) {
	forEachFormat(t, func(t *testing.T, app nextApp) {
		f := app.format
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
		if msg := nodeError(t, map[string]any{"op": "decrypt", "format": string(f), "secret": secretA, "cookieName": name, "token": beyond}); !strings.Contains(msg, "exp") {
			t.Errorf("the package refused the token 20 s past exp with %q, want an exp error", msg)
		}
		expOf := func(tok string) time.Time {
			info, err := inspectToken(authsession.Config[authsession.User]{Secret: secretA, Format: f, Cookie: authsession.CookieConfig{Name: name}}, tok)
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

// TestNodeStoreRefused (point 3): a Store with a foreign format is refused
// at construction, saying why: the package re-encodes the token with a
// fresh jti — the session id a store keys on — on every session read, as
// its session endpoint shows here.
func TestNodeStoreRefused(t *testing.T) {
	forEachFormat(t, func(t *testing.T, app nextApp) {
		f := app.format
		_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
			Secret: secretA, Format: f, Store: memstore.New(memstore.Options{}),
		})
		want := "authsession: invalid configuration: Store: not supported with Format " + string(f) + ": the Next.js app re-encodes its session cookie with a fresh jti"
		if !errors.Is(err, authsession.ErrConfig) || err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %v, want ErrConfig starting %q", err, want)
		}

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
