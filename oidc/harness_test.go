package oidc_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/memstore"
	"github.com/authsession/authsession/oidc"
)

const (
	testSecret = "oidc-test-secret-0123456789abcdefghijklmn"
	appOrigin  = "https://app.test"
	opIssuer   = "https://op.test"
)

// quiet is the tests' logger: the reasons the library logs are asserted
// through its answers, not its logs.
var quiet = slog.New(slog.DiscardHandler)

// clock is the manual clock shared by the app and the fake provider.
type clock = testclock.Clock

// newClock is a clock reading the current time in whole seconds, as the
// provider's tokens carry it.
func newClock() *clock { return testclock.New(time.Now().Truncate(time.Second)) }

// world is the hosts of a test: the fake provider, and the instances of
// the application, all reached through one in-memory transport.
type world struct {
	t     testing.TB
	op    *fakeOP
	clock *clock
	hosts map[string]http.Handler
	down  map[string]*atomic.Bool
}

func newWorld(t testing.TB) *world {
	w := &world{t: t, clock: newClock(), hosts: map[string]http.Handler{}, down: map[string]*atomic.Bool{}}
	w.op = w.addOP(opIssuer)
	return w
}

// addOP adds a fake provider at issuer.
func (w *world) addOP(issuer string) *fakeOP {
	op := newFakeOP(w.t, issuer)
	op.now = w.clock.Now
	host := strings.TrimPrefix(issuer, "https://")
	w.hosts[host] = op
	w.down[host] = &op.down
	return op
}

func (w *world) transport() http.RoundTripper {
	return transport{hosts: w.hosts, down: func(h string) bool { d := w.down[h]; return d != nil && d.Load() }}
}

// app is one instance of the application under test.
type app struct {
	w        *world
	origin   string
	auth     *authsession.AuthSession[authsession.User]
	rp       *oidc.RelyingParty[authsession.User]
	signOuts *atomic.Int64
}

// appOptions configures newApp.
type appOptions struct {
	origin    string
	authStore authsession.Store
	store     oidc.Store
	oidc      func(*oidc.Config[authsession.User])
	auth      func(*authsession.Config[authsession.User])
	signOuts  *atomic.Int64
}

// newApp starts an instance of the application: an AuthSession, a
// RelyingParty for the world's provider, and a mux with the RelyingParty
// at /auth/, /me (the session's user) and /api/token (RelyingParty.Token).
func (w *world) newApp(o appOptions) *app {
	t := w.t
	t.Helper()
	if o.origin == "" {
		o.origin = appOrigin
	}
	if o.signOuts == nil {
		o.signOuts = new(atomic.Int64)
	}
	ac := authsession.Config[authsession.User]{
		Secret: testSecret, Now: w.clock.Now, Store: o.authStore, Logger: quiet,
		Routes: []authsession.Rule{authsession.Hybrid("/auth/*")},
		Events: authsession.Events[authsession.User]{SignOut: func(context.Context, authsession.Session[authsession.User]) error { o.signOuts.Add(1); return nil }},
	}
	if o.auth != nil {
		o.auth(&ac)
	}
	auth, err := authsession.NextAuthSession(ac)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close(context.Background()) })
	cfg := oidc.Config[authsession.User]{
		Providers: []oidc.Provider{{
			Name: "op", Issuer: w.op.issuer, ClientID: w.op.clientID, ClientSecret: authsession.Secret(w.op.secret),
			RedirectURL: o.origin + "/auth/callback",
		}},
		Store:      o.store,
		Logger:     quiet,
		HTTPClient: &http.Client{Transport: w.transport()},
	}
	if o.oidc != nil {
		o.oidc(&cfg)
	}
	rp, err := oidc.New(auth, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{w: w, origin: o.origin, auth: auth, rp: rp, signOuts: o.signOuts}
	mux := http.NewServeMux()
	mux.Handle("/auth/", rp)
	mux.HandleFunc("/me", a.me)
	mux.HandleFunc("/api/token", a.token)
	mux.HandleFunc("POST /promote", a.promote)
	w.hosts[strings.TrimPrefix(o.origin, "https://")] = auth.Middleware(mux)
	return a
}

func (a *app) me(w http.ResponseWriter, r *http.Request) {
	s, ok := a.auth.GetSession(r)
	if !ok {
		http.Error(w, "no session", http.StatusUnauthorized)
		return
	}
	json.NewEncoder(w).Encode(s.User)
}

// promote re-issues the session under a new id, as a privilege change
// does.
func (a *app) promote(w http.ResponseWriter, r *http.Request) {
	_, err := a.auth.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error {
		s.MarkPrivilegeChange()
		if s.User.Extra == nil {
			s.User.Extra = map[string]any{}
		}
		s.User.Extra["role"] = "admin"
		return nil
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// token answers RelyingParty.Token's result: 200 {"accessToken", "expiry"}
// or the error's sentinel as {"error"} with 401 or 503.
func (a *app) token(w http.ResponseWriter, r *http.Request) {
	tok, err := a.rp.Token(w, r)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status, name := http.StatusServiceUnavailable, "unavailable"
		for _, e := range []struct {
			err  error
			name string
		}{{oidc.ErrNoSession, "no_session"}, {oidc.ErrSessionEnded, "session_ended"}, {oidc.ErrNoRefreshToken, "no_refresh_token"}} {
			if errors.Is(err, e.err) {
				status, name = http.StatusUnauthorized, e.name
			}
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": name})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"accessToken": tok.AccessToken, "expiry": tok.Expiry.UnixMilli()})
}

// browser is a browser of the world: an http.Client with a cookie jar over
// the in-memory transport, following no redirect by itself.
type browser struct {
	t      testing.TB
	client *http.Client
	jar    *cookiejar.Jar
}

func (w *world) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return &browser{t: w.t, jar: jar, client: &http.Client{
		Transport:     tlsTransport{w.transport()},
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// tlsTransport marks https requests as having come over TLS, as a server
// would see them.
type tlsTransport struct{ next http.RoundTripper }

func (t tlsTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "https" {
		r = r.Clone(r.Context())
		r.TLS = &tls.ConnectionState{}
	}
	return t.next.RoundTrip(r)
}

// do sends one request and returns the response with its body read.
func (b *browser) do(method, u string, body url.Values, header http.Header) (*http.Response, string) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	s, _ := io.ReadAll(res.Body)
	return res, string(s)
}

func (b *browser) get(u string) (*http.Response, string) { return b.do(http.MethodGet, u, nil, nil) }

// follow GETs u and follows redirects (at most ten), returning the last
// response and the URL it came from.
func (b *browser) follow(u string) (*http.Response, string, string) {
	b.t.Helper()
	for range 10 {
		res, body := b.get(u)
		loc := res.Header.Get("Location")
		if res.StatusCode < 300 || res.StatusCode > 399 || loc == "" {
			return res, body, u
		}
		next, err := res.Request.URL.Parse(loc)
		if err != nil {
			b.t.Fatal(err)
		}
		u = next.String()
	}
	b.t.Fatalf("more than ten redirects from %s", u)
	return nil, "", ""
}

// signIn signs the browser in through a's RelyingParty and returns where
// it landed.
func (b *browser) signIn(a *app, callbackURL string) string {
	b.t.Helper()
	u := a.origin + "/auth/signin/op"
	if callbackURL != "" {
		u += "?callbackUrl=" + url.QueryEscape(callbackURL)
	}
	res, body, last := b.follow(u)
	if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusOK {
		b.t.Fatalf("sign-in ended with %d at %s: %s", res.StatusCode, last, body)
	}
	return last
}

// cookie returns the browser's cookie name for origin, or nil.
func (b *browser) cookie(origin, name string) *http.Cookie {
	u, _ := url.Parse(origin + "/")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// tokenOf GETs /api/token and returns the status and the answer.
func (b *browser) tokenOf(a *app) (int, map[string]any) {
	b.t.Helper()
	res, body := b.get(a.origin + "/api/token")
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		b.t.Fatalf("/api/token answered %d %q", res.StatusCode, body)
	}
	return res.StatusCode, m
}

// signedIn reports whether the browser's session is live at a.
func (b *browser) signedIn(a *app) bool {
	res, _ := b.get(a.origin + "/me")
	return res.StatusCode == http.StatusOK
}

type configT = oidc.Config[authsession.User]

// sessionCookies returns the browser's cookies for a's origin.
func (b *browser) sessionCookies(a *app) []*http.Cookie {
	u, _ := url.Parse(a.origin + "/")
	return b.jar.Cookies(u)
}

// rawGet GETs u with exactly cookies (no jar), for requests that must all
// carry the same cookie whatever the others set.
func (w *world) rawGet(u string, cookies []*http.Cookie) (*http.Response, string) {
	return rawGet(w.t, tlsTransport{w.transport()}, u, cookies)
}

// rawGet GETs u through rt with exactly cookies.
func rawGet(t testing.TB, rt http.RoundTripper, u string, cookies []*http.Cookie) (*http.Response, string) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Error(err)
		return nil, ""
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Error(err)
		return nil, ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// jwtPayload returns the decoded payload of a compact JWS, unverified.
func jwtPayload(jwt string) ([]byte, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS")
	}
	return base64.RawURLEncoding.DecodeString(parts[1])
}

// memAuthStore is a new in-memory session store for an AuthSession.
func memAuthStore() authsession.Store {
	return memstore.New(memstore.Options{})
}
