package authsession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// The seed's server-side shapes (issue 24): next-auth-session's
// actions.update({ user: {...} }), onValidate returning false and
// onRefresh returning null (here: the zero Session) end a session the
// seed's way.

// cleared reports whether the response expires the session cookie.
func cleared(w *httptest.ResponseRecorder) bool {
	c := cookieNamed(w.Result().Cookies(), "session")
	return c != nil && c.MaxAge < 0
}

func TestUpdateSeedShape(t *testing.T) {
	a := newAuth(t, newClock(), nil)
	_, cookies := signIn(t, a, testUser)
	for _, tt := range []struct {
		fields map[string]any
		want   error
	}{
		{map[string]any{"user": map[string]any{"name": "Bo"}}, nil},
		{map[string]any{"user": map[string]any{"role": "user"}}, authsession.ErrFieldNotAllowed},
		{map[string]any{"user": map[string]any{"id": "u_2"}}, authsession.ErrFieldNotAllowed},
		{map[string]any{"user": "Bo"}, authsession.ErrFieldNotAllowed},
		{map[string]any{"user": map[string]any{"name": "Bo"}, "accessToken": "x"}, authsession.ErrFieldNotAllowed},
	} {
		w := httptest.NewRecorder()
		res := a.Actions.Update(w, requestWith(cookies), tt.fields)
		if !errors.Is(res.Err, tt.want) || (tt.want == nil) != res.Success {
			t.Errorf("Update(%v): got %v, want %v", tt.fields, res.Err, tt.want)
		}
		if tt.want == nil {
			if s, ok := a.GetSession(requestWith(w.Result().Cookies())); !ok || s.User.Name != "Bo" || s.User.ExtraString("role") != "admin" {
				t.Errorf("Update(%v): got %+v, want the name changed and nothing else", tt.fields, s.User)
			}
		}
	}
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

// TestOnRefreshNoSession: an OnRefresh that returns the zero Session (the
// seed's null) ends the session: RefreshSession fails with ErrRejected and
// clears the cookie; POST /api/session answers 401 and clears it; auto
// refresh in the guard leaves the handler without a session.
func TestOnRefreshNoSession(t *testing.T) {
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.OnRefresh = func(context.Context, authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			return authsession.Session[authsession.User]{}, nil
		}
	})
	_, cookies := f.login(t, "u_1", nil, "A")
	w := httptest.NewRecorder()
	if _, err := f.auth.RefreshSession(w, requestWith(cookies)); !errors.Is(err, authsession.ErrRejected) || !cleared(w) {
		t.Errorf("RefreshSession: got %v, cookie cleared %v; want ErrRejected and cleared", err, cleared(w))
	}
	if _, ok := f.get(cookies); ok {
		t.Errorf("after RefreshSession: the session still lives")
	}
	_, cookies = f.login(t, "u_1", nil, "A")
	r := requestWithPath("/api/session", cookies)
	r.Method = http.MethodPost
	r.Header.Set("Origin", "http://example.com")
	w = httptest.NewRecorder()
	f.auth.Handlers.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized || !cleared(w) {
		t.Errorf("POST /api/session: got %d, cookie cleared %v; want 401 and cleared", w.Code, cleared(w))
	}
	_, cookies = f.login(t, "u_1", nil, "A")
	f.clk.Add(25 * time.Hour) // past the refresh threshold
	w = httptest.NewRecorder()
	f.auth.Middleware(siteMux(f.auth)).ServeHTTP(w, requestWithPath("/me", cookies))
	if w.Body.String() != "-" || !cleared(w) {
		t.Errorf("auto refresh: handler saw %q, cookie cleared %v; want no session and cleared", w.Body, cleared(w))
	}
}
