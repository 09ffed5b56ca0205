package authsession_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authsession/authsession"
)

// The rule for reusing a request's state (Config.ReuseRequestState): a
// state is reused for a later request only with the option set, only once
// its handler has returned, and never when the handler called Keep. These
// tests keep a request past its handler (as a goroutine would) and check
// what it reads after other users' requests went through the same guard.

// reuseFixture is a guard whose handler hands each request it serves, and
// its context, to kept (as a handler starting a goroutine would), and
// calls Keep first when keep is set.
type reuseFixture struct {
	auth     *authsession.AuthSession[authsession.User]
	h        http.Handler
	keep     bool
	lastReq  *http.Request
	lastCtx  context.Context
	ann, bob string // Cookie header values
}

func newReuseFixture(t *testing.T, reuse, keep bool) *reuseFixture {
	t.Helper()
	cfg := guardConfig()
	cfg.ReuseRequestState = reuse
	f := &reuseFixture{auth: buildAuth(t, cfg), keep: keep}
	f.h = f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.keep {
			f.auth.Keep(r)
		}
		f.lastReq, f.lastCtx = r, r.Context()
	}))
	f.ann = cookieOf(t, f.auth, "u_ann")
	f.bob = cookieOf(t, f.auth, "u_bob")
	return f
}

// cookieOf is a Cookie header value of a fresh session of user id.
func cookieOf(t *testing.T, auth *authsession.AuthSession[authsession.User], id string) string {
	t.Helper()
	tok := encryptAt(t, auth, authsession.Session[authsession.User]{
		User: authsession.User{ID: id}, CreatedAt: guardNow, LastActivity: guardNow,
		ExpiresAt: guardNow.Add(auth.Config.Expiry),
	}, guardNow)
	return auth.Config.Cookie.Name + "=" + tok
}

func (f *reuseFixture) serve(cookie string) {
	r := httptest.NewRequest("GET", "/dashboard", nil)
	r.Header.Set("Cookie", cookie)
	f.h.ServeHTTP(&discardWriter{h: http.Header{}}, r)
}

// reads returns the user ids that a kept request and its kept context
// read ("" for no session).
func (f *reuseFixture) reads(r *http.Request, ctx context.Context) (fromReq, fromCtx string) {
	s, _ := f.auth.GetSession(r)
	c, _ := authsession.SessionFromContext[authsession.User](ctx)
	return s.User.ID, c.User.ID
}

// TestKeptRequestKeepsItsSession: by default, and with ReuseRequestState
// when the handler calls Keep, a request kept past its handler reads its
// own session however many requests of another user follow.
func TestKeptRequestKeepsItsSession(t *testing.T) {
	for _, tt := range []struct {
		name        string
		reuse, keep bool
	}{
		{"default", false, false},
		{"default, Keep called", false, true},
		{"ReuseRequestState, Keep called", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newReuseFixture(t, tt.reuse, tt.keep)
			f.serve(f.ann)
			req, ctx := f.lastReq, f.lastCtx
			f.keep = false // Bob's requests are not kept: their states may be reused
			for range 20 {
				f.serve(f.bob)
				if f.lastCtx == ctx {
					t.Fatal("a later request got the kept request's context")
				}
			}
			if fromReq, fromCtx := f.reads(req, ctx); fromReq != "u_ann" || fromCtx != "u_ann" {
				t.Errorf("kept request reads %q (GetSession), %q (SessionFromContext), want u_ann for both", fromReq, fromCtx)
			}
		})
	}
}

// TestReuseRequestStateReuses: with ReuseRequestState, a state nobody
// kept is cleared when its handler returns (a request kept against the
// rule reads no session then) and serves a later request: what the rule
// in Config.ReuseRequestState's documentation is for.
func TestReuseRequestStateReuses(t *testing.T) {
	f := newReuseFixture(t, true, false)
	f.serve(f.ann)
	req, ctx := f.lastReq, f.lastCtx
	if fromReq, fromCtx := f.reads(req, ctx); fromReq != "" || fromCtx != "" {
		t.Errorf("after its handler returned, the request reads %q, %q: want nothing (the state is cleared)", fromReq, fromCtx)
	}
	reused := false
	for range 20 {
		f.serve(f.bob)
		reused = reused || f.lastCtx == ctx
	}
	// Under the race detector sync.Pool drops a quarter of what it is
	// given, on purpose: reuse is then a matter of chance.
	if !reused && !authsession.RaceEnabled {
		t.Error("no later request reused the state")
	}
}

// TestReuseRequestStateAllocs: with ReuseRequestState the guard allocates
// nothing for a request with or without a cookie (a cached one), whatever
// the handler reads; by default it allocates the request's state, once.
func TestReuseRequestStateAllocs(t *testing.T) {
	if authsession.RaceEnabled {
		t.Skip("the race detector adds allocations and drops pooled values; scripts/steps/60-bench.sh runs this without -race")
	}
	for _, reuse := range []bool{false, true} {
		cfg := guardConfig()
		cfg.ReuseRequestState = reuse
		auth := buildAuth(t, cfg)
		h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := auth.GetSession(r); ok != (r.URL.Path == "/dashboard") {
				t.Errorf("%s: GetSession ok %v", r.URL.Path, ok)
			}
		}))
		w := &discardWriter{h: http.Header{}}
		want := 1.0
		if reuse {
			want = 0
		}
		for _, target := range []string{"/about", "/login", "/dashboard"} {
			r := httptest.NewRequest("GET", target, nil)
			if target == "/dashboard" {
				r.Header.Set("Cookie", sessionCookie(t, auth, "user", guardNow))
			}
			h.ServeHTTP(w, r) // warm the token cache
			if n := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, r) }); n != want {
				t.Errorf("ReuseRequestState %v, %s: %v allocations per request, want %v", reuse, target, n, want)
			}
		}
	}
}
