package authsession_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// TestGetSessionCachedHonoursHooks checks that a cached token still goes
// through the lifetime checks and OnValidate on every read.
func TestGetSessionCachedHonoursHooks(t *testing.T) {
	start := time.Now()
	now := start
	valid := true
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:     benchdata.Secret,
		Now:        func() time.Time { return now },
		OnValidate: func(context.Context, authsession.Session[authsession.User]) bool { return valid },
	})
	if err != nil {
		t.Fatal(err)
	}
	s := benchdata.Session(start)
	s.ExpiresAt = s.CreatedAt.Add(time.Hour)
	tok, err := auth.EncryptSession(s)
	if err != nil {
		t.Fatal(err)
	}
	r := requestWithCookie("/", authsession.DefaultCookieName, tok)
	steps := []struct {
		name   string
		setup  func()
		wantOK bool
	}{
		{"first read decrypts", func() {}, true},
		{"second read is cached", func() {}, true},
		{"OnValidate refuses", func() { valid = false }, false},
		{"OnValidate accepts again", func() { valid = true }, true},
		{"past expiry plus leeway", func() { now = start.Add(time.Hour + authsession.DefaultLeeway) }, false},
	}
	for _, st := range steps {
		st.setup()
		if _, ok := auth.GetSession(r); ok != st.wantOK {
			t.Errorf("%s: got ok %v, want %v", st.name, ok, st.wantOK)
		}
	}
}
