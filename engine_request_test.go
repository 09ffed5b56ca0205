package authsession_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
)

type outerKey struct{}

// TestMiddlewareContext checks that the session the guard stores in the
// request context reaches GetSession and IsAuthenticated, and that values
// set by outer middleware stay visible.
func TestMiddlewareContext(t *testing.T) {
	auth := newBenchAuth(t, 0)
	tok := benchToken(t, auth)
	tests := []struct {
		name   string
		path   string
		token  string
		wantOK bool
	}{
		{"valid cookie", "/dashboard", tok, true},
		{"no cookie", "/about", "", false},
		{"garbage cookie", "/about", "not-a-token", false},
		{"public path", "/login", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotOK, gotAuth bool
			var gotID string
			var gotOuter any
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, ok := auth.GetSession(r)
				gotOK, gotID = ok, s.User.ID
				gotAuth = auth.IsAuthenticated(r)
				gotOuter = r.Context().Value(outerKey{})
			})
			r := requestWithCookie(tt.path, authsession.DefaultCookieName, tt.token)
			r = r.WithContext(context.WithValue(r.Context(), outerKey{}, "outer"))
			auth.Middleware(next).ServeHTTP(httptest.NewRecorder(), r)
			if gotOK != tt.wantOK || gotAuth != tt.wantOK {
				t.Errorf("got GetSession ok %v, IsAuthenticated %v, want %v", gotOK, gotAuth, tt.wantOK)
			}
			if wantID := benchdata.Session(time.Now()).User.ID; tt.wantOK && gotID != wantID {
				t.Errorf("got user id %q, want %q", gotID, wantID)
			}
			if gotOuter != "outer" {
				t.Errorf("got outer context value %v, want %q", gotOuter, "outer")
			}
		})
	}
}

// TestRequestReadsClockOnce: a signed-in request through the guard with a
// cached cookie reads the clock once, however often the handler then asks
// for the session. A cookie seen for the first time reads it once more,
// inside golang-jwt's validator (Config.Now is its time function).
func TestRequestReadsClockOnce(t *testing.T) {
	start := time.Now()
	var reads atomic.Int64
	auth := buildAuth(t, authsession.Config[authsession.User]{
		Secret: benchdata.Secret,
		Now:    func() time.Time { reads.Add(1); return start },
		Routes: []authsession.Rule{authsession.Auth("/dashboard/*")},
	})
	tok, err := auth.EncryptSession(benchdata.Session(start))
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 3 {
			if _, ok := auth.GetSession(r); !ok {
				t.Error("handler: no session")
			}
			if _, ok := authsession.SessionFromContext[authsession.User](r.Context()); !ok {
				t.Error("handler: no session in the context")
			}
		}
	}))
	for _, round := range []struct {
		name string
		want int64
	}{{"first sight", 2}, {"cached", 1}} {
		reads.Store(0)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, requestWithCookie("/dashboard", authsession.DefaultCookieName, tok))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: got status %d, want 200", round.name, rec.Code)
		}
		if got := reads.Load(); got != round.want {
			t.Errorf("%s: got %d clock readings, want %d", round.name, got, round.want)
		}
	}
}

func TestAutoRefreshThroughMiddleware(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser)
	var seen authsession.Session[authsession.User]
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = a.GetSession(r)
		w.WriteHeader(http.StatusNoContent)
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(cookies))
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("fresh session: got Set-Cookie %d times, want none", len(got))
	}

	clk.Add(25 * time.Hour)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(cookies))
	if len(w.Result().Cookies()) != 1 {
		t.Fatalf("after the threshold: got %d cookies, want the session re-issued", len(w.Result().Cookies()))
	}
	if !seen.LastActivity.Equal(clk.Now()) || seen.ID != s.ID {
		t.Errorf("handler saw %+v, want the refreshed session", seen)
	}

	// With auto refresh off nothing is re-issued.
	b := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.DisableAutoRefresh = true })
	_, cookies = signIn(t, b, testUser)
	clk.Add(25 * time.Hour)
	w = httptest.NewRecorder()
	b.Middleware(http.NotFoundHandler()).ServeHTTP(w, requestWith(cookies))
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("auto refresh off: got %d Set-Cookie, want none", len(got))
	}
}
