package routertest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

func status(h http.Handler, target, cookie string) (int, string) {
	r := httptest.NewRequest("GET", target, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Header().Get("X-Guardtest-Handler")
}

// visit is one row of a table: a GET, the status and the labelled
// handler expected.
type visit struct {
	target, cookie string
	status         int
	handler        string
}

func expect(t *testing.T, h http.Handler, rows []visit) {
	t.Helper()
	for _, tt := range rows {
		if code, got := status(h, tt.target, tt.cookie); code != tt.status || got != tt.handler {
			t.Errorf("%s (signed in %v): got %d %q, want %d %q", tt.target, tt.cookie != "", code, got, tt.status, tt.handler)
		}
	}
}

// TestChiUngroupedAlternation pins the chi behaviour docs/routing.md warns
// about: chi anchors a parameter's pattern as ^…$ without grouping it,
// so {lang:en|ar} also matches "english" and "en-US"; {lang:(en|ar)}
// matches the two locales only.
func TestChiUngroupedAlternation(t *testing.T) {
	r := chi.NewRouter()
	r.Handle("/{lang:en|ar}/x", open("ungrouped"))
	r.Handle("/g/{lang:(en|ar)}/x", open("grouped"))
	for _, tt := range []struct {
		target, want string
	}{
		{"/en/x", "ungrouped"}, {"/english/x", "ungrouped"}, {"/en-US/x", "ungrouped"}, {"/solar/x", "ungrouped"},
		{"/g/en/x", "grouped"}, {"/g/english/x", ""}, {"/g/en-US/x", ""}, {"/g/solar/x", ""},
	} {
		if _, got := status(r, tt.target, ""); got != tt.want {
			t.Errorf("%s: got handler %q, want %q", tt.target, got, tt.want)
		}
	}
}

// TestGuardLangOnChi: the set-ups. chi /{lang}/dashboard with
// Locales en and ar: /fr/dashboard, /EN/dashboard and /en-US/dashboard/x
// get the login redirect, and a role check keyed on the rule is not
// skipped for them.
func TestGuardLangOnChi(t *testing.T) {
	auth, user := newAuth(t, authsession.RouteHybrid,
		authsession.Public("/login"),
		authsession.Auth(patterns.Dashboard),
		authsession.AuthWhere(patterns.Admin, func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }))
	r := chi.NewRouter()
	r.Use(auth.Middleware)
	r.Handle("/{lang}/dashboard", prot("dashboard"))
	r.Handle("/{lang}/dashboard/*", prot("dashboard"))
	r.Handle("/{lang}/admin", prot("admin"))
	expect(t, r, []visit{
		{"/fr/dashboard", "", 307, ""},
		{"/EN/dashboard", "", 307, ""},
		{"/en-US/dashboard/x", "", 307, ""},
		{"/en/dashboard", "", 307, ""},
		{"/fr/dashboard", user, 200, "dashboard"},
		{"/fr/admin", user, 403, ""}, // a user without the admin role
		{"/EN/admin", user, 403, ""},
	})
}

// TestRequireOnChiLangRoute: an unconstrained {lang} parameter takes any
// first segment, including words that are not language tags; under deny
// by default the guard still asks for a session there, and a check on
// the handler (Require) holds whatever the path: /english/admin is judged
// as itself (no AuthWhere rule for it), so only the handler's Require
// stops a signed-in user without the admin role.
func TestRequireOnChiLangRoute(t *testing.T) {
	auth, user := newAuth(t, authsession.RouteAuth, authsession.Public("/login"))
	isAdmin := func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }
	r := chi.NewRouter()
	r.Use(auth.Middleware)
	r.Route("/{lang}", func(r chi.Router) {
		r.Handle("/dashboard", prot("dashboard"))
		r.With(auth.Require(isAdmin)).Handle("/admin", prot("admin"))
	})
	expect(t, r, []visit{
		{"/english/dashboard", "", 307, ""},
		{"/x/dashboard", "", 307, ""},
		{"/english/admin", "", 307, ""},
		{"/english/admin", user, 403, ""},
		{"/english/dashboard", user, 200, "dashboard"},
	})
}

// TestGuardNamedTagSegmentOnChi: the review's set-up. Non-Auth rules that
// name a language-shaped first segment (/js/*, /faq/*) with chi serving
// only some paths below them: /js/dashboard and /faq/admin fall to the
// /{lang}/… routes, so the guard asks for a session there and applies
// the /admin/* AuthWhere check, under deny by default.
func TestGuardNamedTagSegmentOnChi(t *testing.T) {
	isAdmin := func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }
	auth, user := newAuth(t, authsession.RouteAuth,
		authsession.Public("/login"),
		authsession.Hybrid("/"),
		authsession.Hybrid("/js/*"),
		authsession.Hybrid("/faq/*"),
		authsession.Auth(patterns.Dashboard),
		authsession.AuthWhere(patterns.Admin, isAdmin))
	r := chi.NewRouter()
	r.Use(auth.Middleware)
	r.Handle("/{lang}/dashboard", prot("dashboard"))
	r.Handle("/{lang}/admin", prot("admin"))
	r.Handle("/faq", open("faq"))
	r.Handle("/faq/billing", open("faq"))
	r.Handle("/js/app.js", open("static"))
	expect(t, r, []visit{
		{"/fr/dashboard", "", 307, ""},
		{"/js/dashboard", "", 307, ""},
		{"/faq/dashboard", "", 307, ""},
		{"/js/admin", user, 403, ""}, // a user without the admin role
		{"/faq/admin", user, 403, ""},
		{"/fr/admin", user, 403, ""},
		{"/js/dashboard", user, 200, "dashboard"},
		{"/js/app.js", "", 200, "static"}, // the named areas stay open
		{"/faq/billing", "", 200, "faq"},
		{"/faq", "", 200, "faq"},
	})
}
