package routertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/guardtest"
)

// The differential tests of the root package (guard_differential_test.go)
// on chi: generated targets through the guard and chi versus chi alone,
// with the guard wrapping chi, as chi middleware (r.Use), in front of
// mounted sub-routers, and inside a mounted sub-router. chi routes on
// URL.RawPath when it is set, and a parent router has computed the
// sub-router's routing path before the sub-router's middleware runs.

const testSecret = "chi-test-secret-0123456789abcdef-0123456789"

var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newAuth(t testing.TB, def authsession.RouteType, rules ...authsession.Rule) (*authsession.AuthSession[authsession.User], string) {
	t.Helper()
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:           testSecret,
		Now:              func() time.Time { return testNow },
		Locales:          []string{"en", "ar"},
		DefaultRouteType: def,
		Routes:           rules,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.EncryptSession(authsession.Session[authsession.User]{
		User: authsession.User{ID: "u_1"}, CreatedAt: testNow, LastActivity: testNow, ExpiresAt: testNow.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return auth, auth.Config.Cookie.Name + "=" + tok
}

func open(l string) http.Handler { return guardtest.Handler(l, false) }
func prot(l string) http.Handler { return guardtest.Handler(l, true) }

// filesRoutes are the /files area, relative to where they are mounted.
func filesRoutes(r chi.Router) {
	r.Handle("/", prot("files"))
	r.Handle("/*", prot("files"))
	r.Handle("/public", open("files-public"))
	r.Handle("/public/*", open("files-public"))
}

// pageRoutes are the other areas.
func pageRoutes(r chi.Router) {
	r.Handle("/dashboard", prot("dashboard"))
	r.Handle("/dashboard/*", prot("dashboard"))
	r.Handle("/dashboard/help", open("help"))
	r.Handle("/dashboard/welcome", open("welcome"))
	r.Handle("/admin", prot("admin"))
	r.Handle("/admin/*", prot("admin"))
	r.Handle("/api", prot("api"))
	r.Handle("/api/*", prot("api"))
	r.Handle("/api/public", open("api-public"))
	r.Handle("/api/public/*", open("api-public"))
	r.Handle("/users/{id}/settings", prot("settings"))
	r.Handle("/users/{id}/settings/", prot("settings"))
	r.Handle("/users/{id}/settings/help", open("settings-help"))
	r.Handle("/login", open("login"))
}

// site returns the routes with the guard placed as name says.
func exceptionSites(t testing.TB) []guardtest.Site {
	auth, cookie := newAuth(t, authsession.RouteHybrid, guardtest.ExceptionRules()...)
	build := func(guardIn, guardFiles bool) chi.Router {
		r := chi.NewRouter()
		if guardIn {
			r.Use(auth.Middleware)
		}
		files := func(r chi.Router) {
			if guardFiles {
				r.Use(auth.Middleware)
			}
			filesRoutes(r)
		}
		r.Route("/files", files)
		r.Group(func(r chi.Router) {
			if guardFiles { // the guard on route groups only
				r.Use(auth.Middleware)
			}
			pageRoutes(r)
		})
		// The safe pairing with Config.Locales: a constrained parameter,
		// grouped: chi anchors a pattern as ^…$, so en|ar alone would also
		// match "english" and "en-US".
		r.Route("/{lang:(en|ar)}", func(r chi.Router) {
			r.Route("/files", files)
			r.Group(func(r chi.Router) {
				if guardFiles {
					r.Use(auth.Middleware)
				}
				pageRoutes(r)
			})
		})
		r.Handle("/api/session", auth.Handlers)
		r.Handle("/api/session/*", auth.Handlers)
		r.NotFound(open("not-found").ServeHTTP)
		return r
	}
	bare := build(false, false)
	// Mounted: the /files area is its own router, mounted on a parent.
	mounted := func(guardParent bool) chi.Router {
		files := chi.NewRouter()
		if !guardParent {
			files.Use(auth.Middleware)
		}
		filesRoutes(files)
		parent := chi.NewRouter()
		if guardParent {
			parent.Use(auth.Middleware)
		}
		parent.Mount("/files", files)
		parent.NotFound(open("not-found").ServeHTTP)
		return parent
	}
	bareMounted := chi.NewRouter()
	bareMounted.Route("/files", filesRoutes)
	bareMounted.NotFound(open("not-found").ServeHTTP)
	return []guardtest.Site{
		{Name: "chi wrapped", Guarded: auth.Middleware(bare), Bare: bare, Cookie: cookie},
		{Name: "chi r.Use", Guarded: build(true, false), Bare: bare, Cookie: cookie},
		{Name: "chi, guard in each sub-router and route group", Guarded: build(false, true), Bare: bare, Cookie: cookie, Partial: true},
		{Name: "chi Mount, guard on the parent", Guarded: mounted(true), Bare: bareMounted, Cookie: cookie},
		{Name: "chi Mount, guard inside the mounted router", Guarded: mounted(false), Bare: bareMounted, Cookie: cookie, Partial: true},
	}
}

// langSites are the issue's {lang} set-ups: an unconstrained language
// parameter under the default route type hybrid (safe for
// language-tag-shaped first segments, including those that rules name,
// such as /faq/* served only in part), and under deny by default (safe
// for any first segment).
func langSites(t testing.TB) []guardtest.Site {
	auth, cookie := newAuth(t, authsession.RouteHybrid, guardtest.LangRules()...)
	r := chi.NewRouter()
	r.Handle("/dashboard", prot("dashboard"))
	r.Handle("/dashboard/*", prot("dashboard"))
	r.Handle("/dashboard/help", open("help"))
	r.Handle("/{lang}/dashboard", prot("lang-dashboard"))
	r.Handle("/{lang}/dashboard/*", prot("lang-dashboard"))
	r.Handle("/{lang}/dashboard/help", open("lang-help"))
	r.Handle("/{lang}/admin", prot("lang-admin"))
	r.Handle("/{lang}/admin/*", prot("lang-admin"))
	r.Handle("/login", open("login"))
	// Areas whose rules name a language-shaped segment, served only in
	// part: the rest of /faq/… falls to the {lang} routes.
	r.Handle("/faq", open("faq"))
	r.Handle("/faq/billing", open("faq"))
	r.Handle("/css/site.css", open("static"))
	r.Handle("/js/app.js", open("static"))
	r.NotFound(open("not-found").ServeHTTP)
	used := chi.NewRouter()
	used.Use(auth.Middleware)
	used.Mount("/", r)

	deny, denyCookie := newAuth(t, authsession.RouteAuth,
		authsession.Public("/login"), authsession.Hybrid("/"), authsession.Hybrid("/docs/*"),
		authsession.Hybrid("/files/public/*"), authsession.Auth("/files/public/drafts/*"))
	pages := func(r chi.Router) {
		r.Handle("/", open("home"))
		r.Handle("/login", open("login"))
		r.Handle("/docs", open("docs"))
		r.Handle("/docs/*", open("docs"))
		r.Handle("/files/public", open("files-public"))
		r.Handle("/files/public/*", open("files-public"))
		r.Handle("/files/public/drafts/*", prot("drafts"))
		r.Handle("/dashboard", prot("dashboard"))
		r.Handle("/dashboard/*", prot("dashboard"))
	}
	dr := chi.NewRouter()
	pages(dr)
	dr.Route("/{lang}", pages)
	dr.NotFound(prot("not-found").ServeHTTP) // every other path is Auth by default
	return []guardtest.Site{
		{Name: "chi /{lang}/dashboard, wrapped", Guarded: auth.Middleware(r), Bare: r, Cookie: cookie, Only: guardtest.TagFirst},
		{Name: "chi /{lang}/dashboard, r.Use", Guarded: used, Bare: r, Cookie: cookie, Only: guardtest.TagFirst},
		{Name: "chi deny by default, /{lang} sub-router", Guarded: deny.Middleware(dr), Bare: dr, Cookie: denyCookie},
	}
}

// TestGuardRouterDifferentialChi: no generated target reaches a protected
// handler anonymously on any of the chi set-ups; with a session, the
// guard's redirects keep the handler chi alone serves for the canonical
// path.
func TestGuardRouterDifferentialChi(t *testing.T) {
	targets := guardtest.Gen{Bases: guardtest.ExceptionBases, Prefixes: guardtest.LocaleForms}.Targets(1, 2000)
	for _, site := range exceptionSites(t) {
		t.Run(site.Name, func(t *testing.T) {
			st := site.Run(t, targets)
			t.Logf("%+v", st)
			if st.BareReached == 0 || st.SignedIn == 0 || st.Canonicalled == 0 {
				t.Errorf("the targets did not exercise the site: %+v", st)
			}
		})
	}
	langGen := guardtest.Gen{Bases: guardtest.LangBases}
	langTargets := append(guardtest.Prefixed(guardtest.LangForms, langGen.Targets(2, 200)), langGen.Targets(3, 300)...)
	denyTargets := guardtest.Gen{Bases: []string{"/", "/login", "/docs/x", "/files/public/x", "/files/public/drafts/x", "/dashboard/x", "/other"}, Prefixes: guardtest.LocaleForms}.Targets(4, 2000)
	for i, site := range langSites(t) {
		t.Run(site.Name, func(t *testing.T) {
			tg := langTargets
			if i == 2 {
				tg = denyTargets
			}
			st := site.Run(t, tg)
			t.Logf("%+v", st)
			if st.BareReached == 0 || st.SignedIn == 0 {
				t.Errorf("the targets did not exercise the site: %+v", st)
			}
		})
	}
}

// TestGuardRouterDifferentialChiOverTCP: raw request lines to a real
// server never produce a 5xx or reach a protected handler.
func TestGuardRouterDifferentialChiOverTCP(t *testing.T) {
	site := exceptionSites(t)[1]
	srv := httptest.NewServer(site.Guarded)
	defer srv.Close()
	targets := guardtest.Gen{Bases: guardtest.ExceptionBases, Prefixes: guardtest.LocaleForms}.Targets(5, 300)
	guardtest.RunOverTCP(t, strings.TrimPrefix(srv.URL, "http://"), targets[len(targets)-300:])
}

// FuzzRouters checks the differential property for any request target
// on every site of this module: chi without an adapter (wrapped, r.Use,
// mounted sub-routers) and chi, gorilla/mux, gin and echo behind their
// adapters.
func FuzzRouters(f *testing.F) {
	for _, s := range []string{
		"/files/publ%69c/x", "/files/public%2Fx", "/dashboard/help/", "/fr/dashboard", "/EN/dashboard",
		"/en-US/dashboard/x", "/api/session/client.js", "/%2e%2e/admin", "//admin", "/en/files/p%75blic/x",
		"/faq/dashboard", "/js/admin", "/css/dashboard/x",
		"/static/dashboard", "/blog/admin", "/administrator", "/admin.json", "/admin;x", "/static/%61dmin",
		"/x/dashboard/", "/login/admin", "/assets/../dashboard", "/ar/login", "/assets/x;/../../dashboard",
	} {
		f.Add(s)
	}
	sites := append(exceptionSites(f), langSites(f)...)
	more, _ := adapterSites(f)
	sites = append(sites, more...)
	f.Fuzz(func(t *testing.T, target string) {
		for _, site := range sites {
			for _, e := range site.Check(target, nil) {
				t.Errorf("%s: %s", site.Name, e)
			}
		}
	})
}
