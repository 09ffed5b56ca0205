package authsession_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// TestGuardLocaleReadings: the set-up, a ServeMux that takes the
// first segment as a language (/{lang}/dashboard/{rest...}) with Locales
// en and ar: first segments shaped like a language tag that are not
// configured locales cannot open a protected page, and a segment a rule
// spells out is not mistaken for one.
func TestGuardLocaleReadings(t *testing.T) {
	cfg := guardConfig()
	cfg.Routes = []authsession.Rule{
		authsession.Public("/login"),
		authsession.Auth(patterns.Dashboard),
		authsession.Auth("/me/*"),
		authsession.Public("/profile"),
	}
	auth := buildAuth(t, cfg)
	user := sessionCookie(t, auth, "user", guardNow)
	dashboard, other := &reached{}, &reached{}
	mux := http.NewServeMux()
	mux.Handle("/{lang}/dashboard", dashboard)
	mux.Handle("/{lang}/dashboard/{rest...}", dashboard)
	mux.Handle("/", other)
	h := auth.Middleware(mux)
	tests := []struct {
		target, cookie string
		status         int
		location       string
	}{
		{"/fr/dashboard", "", 307, "/login?callbackUrl=%2Ffr%2Fdashboard"},
		{"/EN/dashboard", "", 307, "/login?callbackUrl=%2FEN%2Fdashboard"},
		{"/en-US/dashboard/x", "", 307, "/login?callbackUrl=%2Fen-US%2Fdashboard%2Fx"},
		{"/pt_BR/dashboard/", "", 307, "/login?callbackUrl=%2Fpt_BR%2Fdashboard%2F"},
		{"/en/dashboard", "", 307, "/en/login?callbackUrl=%2Fen%2Fdashboard"},
		{"/fr/dashboard", user, 200, ""},
		{"/me/profile", "", 307, "/login?callbackUrl=%2Fme%2Fprofile"}, // Auth("/me/*") spells "me": never /profile
		{"/me/profile", user, 200, ""},                                 // and not sent home as the public /profile
		{"/fr/profile", user, 200, ""},                                 // public only in the other reading: the literal one decides
	}
	for _, tt := range tests {
		w := serve(h, "GET", tt.target, tt.cookie, nil)
		if w.Code != tt.status || w.Header().Get("Location") != tt.location {
			t.Errorf("%s (signed in %v): got %d %q, want %d %q", tt.target, tt.cookie != "", w.Code, w.Header().Get("Location"), tt.status, tt.location)
		}
	}
}

// TestGuardAuthorizeSeesEveryReading: a role check keyed on the matched
// rule (the Authorize hook as written before AuthWhere) is not skipped
// for a language-shaped first segment: the hook sees the Auth rule
// first, then the other reading's rule.
func TestGuardAuthorizeSeesEveryReading(t *testing.T) {
	var calls atomic.Int32
	var seen []string
	cfg := guardConfig()
	cfg.Authorize = func(ok bool, r *http.Request, rule authsession.Rule) http.Handler {
		calls.Add(1)
		seen = append(seen, rule.Type.String()+" "+rule.Pattern)
		if rule.Pattern == patterns.Admin && ok {
			if s, _ := authsession.SessionFromContext[authsession.User](r.Context()); !isAdmin(s) {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
			}
		}
		return nil
	}
	auth := buildAuth(t, cfg)
	h := auth.Middleware(&reached{})
	for _, tt := range []struct {
		target, role string
		status       int
		seen         []string
	}{
		{"/fr/admin", "user", 403, []string{"auth /admin/*"}},
		{"/fr/admin", "admin", 200, []string{"auth /admin/*", "hybrid "}},
		{"/admin", "user", 403, []string{"auth /admin/*"}},
		{"/about", "user", 200, []string{"hybrid "}},
	} {
		seen = nil
		calls.Store(0)
		w := serve(h, "GET", tt.target, sessionCookie(t, auth, tt.role, guardNow), nil)
		if w.Code != tt.status || len(seen) != len(tt.seen) || int(calls.Load()) != len(tt.seen) {
			t.Errorf("%s as %s: got %d, hook saw %q; want %d, %q", tt.target, tt.role, w.Code, seen, tt.status, tt.seen)
			continue
		}
		for i := range seen {
			if seen[i] != tt.seen[i] {
				t.Errorf("%s as %s: hook saw %q, want %q", tt.target, tt.role, seen, tt.seen)
			}
		}
	}
}
