package authsession_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
)

// TestGetSessionCachedHonoursHooks checks that a cached token still goes
// through the lifetime checks and OnValidate on every read.
func TestGetSessionCachedHonoursHooks(t *testing.T) {
	start := time.Now()
	now := start
	valid := true
	auth := buildAuth(t, authsession.Config[authsession.User]{
		Secret:     benchdata.Secret,
		Now:        func() time.Time { return now },
		OnValidate: func(context.Context, authsession.Session[authsession.User]) bool { return valid },
	})
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

// cleared reports whether the response expires the session cookie.
func cleared(w *httptest.ResponseRecorder) bool {
	c := cookieNamed(w.Result().Cookies(), "session")
	return c != nil && c.MaxAge < 0
}

// TestOnValidateFalseEndsSession: a session OnValidate refuses is no
// session, and the response that found it clears its cookie and revokes
// it (the guard's, the session API's).
func TestOnValidateFalseEndsSession(t *testing.T) {
	banned := false
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.OnValidate = func(context.Context, authsession.Session[authsession.User]) bool { return !banned }
	})
	h := f.auth.Middleware(siteMux(f.auth))
	for _, path := range []string{"/me", "/api/session"} {
		banned = false
		_, cookies := f.login(t, "u_1", nil, "A")
		banned = true
		w := httptest.NewRecorder()
		h.ServeHTTP(w, requestWithPath(path, cookies))
		if strings.Contains(w.Body.String(), "u_1") || !cleared(w) {
			t.Errorf("%s with a session OnValidate refuses: got %q, cookie cleared %v; want no session and the cookie cleared", path, w.Body, cleared(w))
		}
		banned = false
		if _, ok := f.get(cookies); ok {
			t.Errorf("%s: the refused session still lives in the store", path)
		}
	}
}
