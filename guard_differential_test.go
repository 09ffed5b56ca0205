package authsession_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/guardtest"
)

// The differential tests send generated request targets through the guard
// in front of net/http's ServeMux and through the ServeMux alone, and check
// that no anonymous request reaches a handler whose paths an Auth rule
// covers (internal/routertest does the same on chi, gorilla/mux, gin and echo). Each site below is a
// rule set with exceptions inside its Auth areas and a router serving the
// same paths; a handler is marked protected when every path it serves is
// under an Auth rule.

// differentialAuth returns an AuthSession with rules and the Cookie
// headers of an admin's session and of a user's (no admin role).
func differentialAuth(t testing.TB, def authsession.RouteType, rules ...authsession.Rule) (auth *authsession.AuthSession[authsession.User], admin, user string) {
	t.Helper()
	cfg := guardConfig()
	cfg.Routes = rules
	cfg.DefaultRouteType = def
	auth = buildAuth(t, cfg)
	return auth, sessionCookie(t, auth, "admin", guardNow), sessionCookie(t, auth, "user", guardNow)
}

// muxExceptions serves the exception rules on a ServeMux, with explicit
// routes for each configured locale (the pairing the docs recommend for
// ServeMux).
func muxExceptions(t testing.TB) guardtest.Site {
	auth, cookie, user := differentialAuth(t, authsession.RouteHybrid, guardtest.ExceptionRules()...)
	open := func(l string) http.Handler { return guardtest.Handler(l, false) }
	prot := func(l string) http.Handler { return guardtest.Handler(l, true) }
	mux := http.NewServeMux()
	for _, lp := range []string{"", "/en", "/ar"} {
		for p, h := range map[string]http.Handler{
			"/files": prot("files"), "/files/": prot("files"),
			"/files/public": open("files-public"), "/files/public/": open("files-public"),
			"/dashboard": prot("dashboard"), "/dashboard/": prot("dashboard"),
			"/dashboard/help": open("help"), "/dashboard/welcome": open("welcome"),
			"/admin": prot("admin"), "/admin/": prot("admin"),
			"/api": prot("api"), "/api/": prot("api"),
			"/api/public": open("api-public"), "/api/public/": open("api-public"),
			"/users/{id}/settings": prot("settings"), "/users/{id}/settings/": prot("settings"), "/users/{id}/settings/help": open("settings-help"),
			"/login": open("login"),
		} {
			mux.Handle(lp+p, h)
		}
	}
	mux.Handle("/api/session", auth.Handlers)
	mux.Handle("/api/session/", auth.Handlers)
	mux.Handle("/", open("other"))
	return guardtest.Site{Name: "ServeMux, exceptions", Guarded: auth.Middleware(mux), Bare: mux, Cookie: cookie, UserCookie: user, Documented: true}
}

// muxLang is the issue's set-up: a ServeMux that takes the first segment
// as a language parameter, with the default route type hybrid, and rules
// that name language-shaped segments (/faq/*, /css/*, /js/*) whose paths
// the ServeMux serves only in part (guardtest.LangRules). Only
// language-tag-shaped first segments are read both ways (see
// docs/locales.md): the site checks only targets whose canonical form starts
// with one.
func muxLang(t testing.TB) guardtest.Site {
	auth, cookie, user := differentialAuth(t, authsession.RouteHybrid, guardtest.LangRules()...)
	mux := http.NewServeMux()
	mux.Handle("/{lang}/dashboard", guardtest.Handler("lang-dashboard", true))
	mux.Handle("/{lang}/dashboard/{rest...}", guardtest.Handler("lang-dashboard", true))
	mux.Handle("/{lang}/dashboard/help", guardtest.Handler("lang-help", false))
	mux.Handle("/{lang}/admin/{rest...}", guardtest.Handler("lang-admin", true))
	mux.Handle("/login", guardtest.Handler("login", false))
	// Areas whose rules name a language-shaped segment, served only in
	// part: the rest of /faq/… falls to the {lang} routes.
	mux.Handle("/faq/billing", guardtest.Handler("faq", false))
	mux.Handle("/css/site.css", guardtest.Handler("static", false))
	mux.Handle("/js/app.js", guardtest.Handler("static", false))
	mux.Handle("/", guardtest.Handler("other", false))
	return guardtest.Site{Name: "ServeMux, /{lang}/dashboard/{rest...}", Guarded: auth.Middleware(mux), Bare: mux, Cookie: cookie, UserCookie: user, Only: guardtest.TagFirst}
}

// muxDeny is deny by default: everything not named is Auth, and an
// unconstrained "/{lang}/{rest...}" route re-dispatches any first segment
// to the pages (as a locale router does); the named areas are routed
// before it.
func muxDeny(t testing.TB) guardtest.Site {
	auth, cookie, user := differentialAuth(t, authsession.RouteAuth,
		authsession.Public("/login"), authsession.Hybrid("/"), authsession.Hybrid("/docs/*"),
		authsession.Hybrid("/faq/*"), authsession.Hybrid("/files/public/*"), authsession.Auth("/files/public/drafts/*"))
	register := func(m *http.ServeMux) {
		m.Handle("/{$}", guardtest.Handler("home", false))
		m.Handle("/login", guardtest.Handler("login", false))
		for _, p := range []string{"/docs", "/docs/", "/faq", "/faq/", "/files/public", "/files/public/"} {
			m.Handle(p, guardtest.Handler("open-area", false))
		}
		m.Handle("/files/public/drafts/", guardtest.Handler("drafts", true))
		m.Handle("/", guardtest.Handler("default", true)) // everything else is Auth by default
	}
	pages, root := http.NewServeMux(), http.NewServeMux()
	register(pages)
	register(root)
	root.HandleFunc("/{lang}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = "/"+r.PathValue("rest"), ""
		pages.ServeHTTP(w, r2)
	})
	return guardtest.Site{Name: "ServeMux, deny by default, /{lang}/{rest...}", Guarded: auth.Middleware(root), Bare: root, Cookie: cookie, UserCookie: user}
}

// muxIssue is the parameter-route set-up on ServeMux, under default type
// def: an unconstrained {lang} parameter serves the public areas' names
// (/static/dashboard); the guard judges the route, so a visitor reaches
// only what every path of the route allows.
func muxIssue(def authsession.RouteType) func(testing.TB) guardtest.Site {
	return func(t testing.TB) guardtest.Site {
		auth, cookie, user := differentialAuth(t, def, guardtest.IssueRules()...)
		mux := http.NewServeMux()
		mux.Handle("/{$}", guardtest.Handler("home", false))
		mux.Handle("/login", guardtest.Handler("login", false))
		mux.Handle("/static/app.js", guardtest.Handler("static", false))
		mux.Handle("/{lang}/dashboard", guardtest.Handler("dashboard", true))
		mux.Handle("/{lang}/dashboard/{rest...}", guardtest.Handler("dashboard", true))
		mux.Handle("/{lang}/admin", guardtest.LevelHandler("admin", guardtest.Admin))
		mux.Handle("/{lang}/admin/{rest...}", guardtest.LevelHandler("admin", guardtest.Admin))
		return guardtest.Site{Name: "ServeMux, issue, " + string(def), Guarded: auth.Middleware(mux), Bare: mux, Cookie: cookie, UserCookie: user}
	}
}

// muxSPA is a single-page application behind a "GET /" catch-all, deny
// by default: the catch-all's paths are judged each as itself, so the
// sign-in page and the assets stay open and every other view needs a
// session.
func muxSPA(t testing.TB) guardtest.Site {
	auth, cookie, user := differentialAuth(t, authsession.RouteAuth, guardtest.SPARules()...)
	mux := http.NewServeMux()
	mux.Handle("GET /", guardtest.PathHandler("spa", guardtest.SPALevel))
	return guardtest.Site{Name: "ServeMux, spa", Guarded: auth.Middleware(mux), Bare: mux, Cookie: cookie, UserCookie: user, Documented: true}
}

// TestGuardRouterDifferentialServeMux: no generated target reaches a
// protected handler anonymously, through the guard in front of ServeMux;
// with a session, the guard's redirects keep the handler the ServeMux
// alone serves for the canonical path.
func TestGuardRouterDifferentialServeMux(t *testing.T) {
	gen := guardtest.Gen{Bases: guardtest.ExceptionBases, Prefixes: guardtest.LocaleForms}
	targets := gen.Targets(1, 3000)
	langGen := guardtest.Gen{Bases: guardtest.LangBases}
	issueTargets := guardtest.Gen{Bases: guardtest.IssueBases, Prefixes: guardtest.IssueForms}.Targets(7, 2000)
	for _, tt := range []struct {
		site    func(testing.TB) guardtest.Site
		targets []string
	}{
		{muxExceptions, targets},
		{muxLang, append(guardtest.Prefixed(guardtest.LangForms, langGen.Targets(2, 200)), langGen.Targets(3, 300)...)},
		{muxDeny, guardtest.Gen{Bases: append(guardtest.ExceptionBases, "/docs/x", "/faq/x", "/files/public/drafts/x"), Prefixes: guardtest.LocaleForms}.Targets(4, 3000)},
		{muxIssue(authsession.RouteHybrid), issueTargets},
		{muxIssue(authsession.RouteAuth), issueTargets},
		{muxSPA, guardtest.Gen{Bases: guardtest.SPABases, Prefixes: guardtest.LocaleForms}.Targets(8, 1000)},
	} {
		site := tt.site(t)
		t.Run(site.Name, func(t *testing.T) {
			st := site.Run(t, tt.targets)
			t.Logf("%+v", st)
			if st.BareReached == 0 || st.SignedIn == 0 || st.Canonicalled == 0 {
				t.Errorf("the targets did not exercise the site: %+v", st)
			}
		})
	}
}

// TestGuardRouterDifferentialOverTCP sends a sample of the targets as raw
// request lines to a real server: bad request lines never produce a 5xx
// or reach a protected handler.
func TestGuardRouterDifferentialOverTCP(t *testing.T) {
	site := muxExceptions(t)
	srv := httptest.NewServer(site.Guarded)
	defer srv.Close()
	targets := guardtest.Gen{Bases: guardtest.ExceptionBases, Prefixes: guardtest.LocaleForms}.Targets(5, 300)
	guardtest.RunOverTCP(t, strings.TrimPrefix(srv.URL, "http://"), targets[len(targets)-300:])
}

// FuzzGuardRouter checks the differential property for any request
// target, on the three ServeMux sites.
func FuzzGuardRouter(f *testing.F) {
	seeds := guardtest.Gen{Bases: guardtest.ExceptionBases, Prefixes: guardtest.LocaleForms}.Targets(6, 40)
	for _, s := range seeds[len(seeds)-40:] {
		f.Add(s)
	}
	for _, s := range []string{
		"/files/publ%69c/x", "/dashboard/help/", "/fr/dashboard", "/EN/dashboard", "/en-US/dashboard/x",
		"/api/session", "/api/session/client.js", "/%2e%2e/admin", "//admin", "/files/public/../secret",
		"/faq/dashboard/", "/js/admin/x", "/css/dashboard",
		"/static/dashboard", "/blog/admin", "/static/admin/x", "/x/dashboard/", "/assets/app.js", "/ar/login",
	} {
		f.Add(s)
	}
	sites := []guardtest.Site{muxExceptions(f), muxLang(f), muxDeny(f), muxIssue(authsession.RouteHybrid)(f), muxIssue(authsession.RouteAuth)(f), muxSPA(f)}
	f.Fuzz(func(t *testing.T, target string) {
		for _, site := range sites {
			for _, e := range site.Check(target, nil) {
				t.Errorf("%s: %s", site.Name, e)
			}
		}
	})
}
