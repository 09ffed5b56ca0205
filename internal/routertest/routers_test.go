package routertest

import (
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v5"

	"github.com/authsession/authsession"
	authchi "github.com/authsession/authsession/adapters/chi"
	authecho "github.com/authsession/authsession/adapters/echo"
	authgin "github.com/authsession/authsession/adapters/gin"
	authgorilla "github.com/authsession/authsession/adapters/gorilla"
	"github.com/authsession/authsession/internal/guardtest"
)

// The router-differential suites on the four routers that
// need an adapter (ServeMux's are in the root package): each site is a
// router behind its adapter's guard, and the same router alone. Handlers
// are labelled with who may reach them; guardtest.Site.Check sends each
// target anonymously, with a user's session and with an admin's.
//
//   - exceptions (documented): Auth areas with public holes that have
//     their own routes, locales as the docs recommend (a constrained
//     {lang} on chi and gorilla/mux, explicit prefixes on gin and echo);
//     no page is locked by mistake;
//   - issue: the routes a path-only guard misjudges, unconstrained
//     parameters beside public areas and prefix routes, under both
//     default types;
//   - spa (documented): deny by default and a catch-all serving a
//     single-page application: the sign-in page and the assets stay
//     open, every other view needs a session.

func adminHandler(l string) http.Handler { return guardtest.LevelHandler(l, guardtest.Admin) }

// siteAuth returns an AuthSession and the cookies of an admin and a user.
func siteAuth(t testing.TB, def authsession.RouteType, rules []authsession.Rule) (*authsession.AuthSession[authsession.User], string, string) {
	t.Helper()
	auth, _ := newAuth(t, def, rules...)
	return auth, sessionCookie(t, auth, "admin"), sessionCookie(t, auth, "user")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// chiSites are the three sites on chi behind authchi.
func chiSites(t testing.TB) []guardtest.Site {
	var sites []guardtest.Site
	build := func(auth *authsession.AuthSession[authsession.User], routes func(chi.Router)) (guarded, bare http.Handler) {
		g := must(authchi.New(auth))
		r := chi.NewRouter()
		if err := g.Mount(r); err != nil {
			t.Fatal(err)
		}
		routes(r)
		b := chi.NewRouter()
		routes(b)
		return r, b
	}
	auth, admin, user := siteAuth(t, authsession.RouteHybrid, guardtest.ExceptionRules())
	g, b := build(auth, func(r chi.Router) {
		r.Route("/files", filesRoutes)
		r.Group(pageRoutes)
		r.Route("/{lang:(en|ar)}", func(r chi.Router) { r.Route("/files", filesRoutes); r.Group(pageRoutes) })
		r.NotFound(open("other").ServeHTTP)
	})
	sites = append(sites, guardtest.Site{Name: "chi (authchi), exceptions", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, admin, user := siteAuth(t, def, guardtest.IssueRules())
		g, b := build(auth, func(r chi.Router) {
			r.Handle("/", open("home"))
			r.Handle("/login", open("login"))
			r.Handle("/static/*", open("static"))
			r.Handle("/admin*", adminHandler("admin"))
			r.Route("/{lang}", func(r chi.Router) {
				r.Handle("/dashboard", prot("dashboard"))
				r.Handle("/dashboard/*", prot("dashboard"))
				r.Handle("/admin", adminHandler("admin"))
			})
		})
		sites = append(sites, guardtest.Site{Name: "chi (authchi), issue, " + string(def), Guarded: g, Bare: b, Cookie: admin, UserCookie: user})
	}
	auth, admin, user = siteAuth(t, authsession.RouteAuth, guardtest.SPARules())
	g, b = build(auth, func(r chi.Router) { r.Handle("/*", guardtest.PathHandler("spa", guardtest.SPALevel)) })
	return append(sites, guardtest.Site{Name: "chi (authchi), spa", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
}

// gorillaSites are the three sites on gorilla/mux behind authgorilla.
func gorillaSites(t testing.TB) []guardtest.Site {
	var sites []guardtest.Site
	build := func(auth *authsession.AuthSession[authsession.User], routes func(*mux.Router)) (guarded, bare http.Handler) {
		r, b := mux.NewRouter(), mux.NewRouter()
		routes(r)
		routes(b)
		return must(must(authgorilla.New(auth)).Handler(r)), b
	}
	auth, admin, user := siteAuth(t, authsession.RouteHybrid, guardtest.ExceptionRules())
	g, b := build(auth, func(r *mux.Router) {
		for _, l := range []string{"", "/{lang:en|ar}"} {
			r.Path(l + "/files/public").Handler(open("files-public"))
			r.PathPrefix(l + "/files/public/").Handler(open("files-public"))
			r.Path(l + "/files").Handler(prot("files"))
			r.PathPrefix(l + "/files/").Handler(prot("files"))
			r.Path(l + "/dashboard/help").Handler(open("help"))
			r.Path(l + "/dashboard/welcome").Handler(open("welcome"))
			r.Path(l + "/dashboard").Handler(prot("dashboard"))
			r.PathPrefix(l + "/dashboard/").Handler(prot("dashboard"))
			r.Path(l + "/admin").Handler(prot("admin"))
			r.PathPrefix(l + "/admin/").Handler(prot("admin"))
			r.Path(l + "/api/public").Handler(open("api-public"))
			r.PathPrefix(l + "/api/public/").Handler(open("api-public"))
			r.Path(l + "/api").Handler(prot("api"))
			r.PathPrefix(l + "/api/").Handler(prot("api"))
			r.Path(l + "/users/{id}/settings/help").Handler(open("settings-help"))
			r.Path(l + "/users/{id}/settings").Handler(prot("settings"))
			r.Path(l + "/users/{id}/settings/").Handler(prot("settings"))
			r.Path(l + "/login").Handler(open("login"))
		}
		r.NotFoundHandler = open("other")
	})
	sites = append(sites, guardtest.Site{Name: "gorilla (authgorilla), exceptions", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, admin, user := siteAuth(t, def, guardtest.IssueRules())
		g, b := build(auth, func(r *mux.Router) {
			r.Path("/").Handler(open("home"))
			r.Path("/login").Handler(open("login"))
			r.PathPrefix("/static/").Handler(open("static"))
			r.PathPrefix("/admin").Handler(adminHandler("admin"))
			r.Path("/{lang}/dashboard").Handler(prot("dashboard"))
			r.PathPrefix("/{lang}/dashboard/").Handler(prot("dashboard"))
			r.Path("/{lang}/admin").Handler(adminHandler("admin"))
		})
		sites = append(sites, guardtest.Site{Name: "gorilla (authgorilla), issue, " + string(def), Guarded: g, Bare: b, Cookie: admin, UserCookie: user})
	}
	auth, admin, user = siteAuth(t, authsession.RouteAuth, guardtest.SPARules())
	g, b = build(auth, func(r *mux.Router) { r.PathPrefix("/").Handler(guardtest.PathHandler("spa", guardtest.SPALevel)) })
	return append(sites, guardtest.Site{Name: "gorilla (authgorilla), spa", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
}

// ginSites are the three sites on gin behind authgin. gin takes no
// catch-all beside other routes below the same segment, so the areas use
// a parameter; locales are explicit prefixes.
func ginSites(t testing.TB) []guardtest.Site {
	gin.SetMode(gin.ReleaseMode)
	var sites []guardtest.Site
	h := func(hh http.Handler) gin.HandlerFunc { return gin.WrapH(hh) }
	build := func(auth *authsession.AuthSession[authsession.User], routes func(gin.IRoutes)) (guarded, bare http.Handler) {
		r, b := gin.New(), gin.New()
		if err := must(authgin.New(auth)).Mount(r); err != nil {
			t.Fatal(err)
		}
		routes(r)
		routes(b)
		return r, b
	}
	auth, admin, user := siteAuth(t, authsession.RouteHybrid, guardtest.ExceptionRules())
	g, b := build(auth, func(r gin.IRoutes) {
		for _, l := range []string{"", "/en", "/ar"} {
			r.Any(l+"/files", h(prot("files")))
			r.Any(l+"/files/:x", h(prot("files")))
			r.Any(l+"/files/public", h(open("files-public")))
			r.Any(l+"/files/public/*x", h(open("files-public")))
			r.Any(l+"/dashboard", h(prot("dashboard")))
			r.Any(l+"/dashboard/:x", h(prot("dashboard")))
			r.Any(l+"/dashboard/help", h(open("help")))
			r.Any(l+"/dashboard/welcome", h(open("welcome")))
			r.Any(l+"/admin", h(prot("admin")))
			r.Any(l+"/admin/*x", h(prot("admin")))
			r.Any(l+"/api", h(prot("api")))
			r.Any(l+"/api/:x", h(prot("api")))
			r.Any(l+"/api/public/*x", h(open("api-public")))
			r.Any(l+"/users/:id/settings", h(prot("settings")))
			r.Any(l+"/users/:id/settings/help", h(open("settings-help")))
			r.Any(l+"/login", h(open("login")))
		}
	})
	sites = append(sites, guardtest.Site{Name: "gin (authgin), exceptions", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, admin, user := siteAuth(t, def, guardtest.IssueRules())
		g, b := build(auth, func(r gin.IRoutes) {
			r.Any("/", h(open("home")))
			r.Any("/login", h(open("login")))
			r.Any("/static/*x", h(open("static")))
			r.Any("/admin/*x", h(adminHandler("admin")))
			r.Any("/:lang/dashboard", h(prot("dashboard")))
			r.Any("/:lang/dashboard/*x", h(prot("dashboard")))
			r.Any("/:lang/admin", h(adminHandler("admin")))
		})
		sites = append(sites, guardtest.Site{Name: "gin (authgin), issue, " + string(def), Guarded: g, Bare: b, Cookie: admin, UserCookie: user})
	}
	auth, admin, user = siteAuth(t, authsession.RouteAuth, guardtest.SPARules())
	g, b = build(auth, func(r gin.IRoutes) { r.Any("/*x", h(guardtest.PathHandler("spa", guardtest.SPALevel))) })
	return append(sites, guardtest.Site{Name: "gin (authgin), spa", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
}

// echoSites are the three sites on echo behind authecho; locales are
// explicit prefixes.
func echoSites(t testing.TB) []guardtest.Site {
	var sites []guardtest.Site
	h := echo.WrapHandler
	build := func(auth *authsession.AuthSession[authsession.User], routes func(*echo.Echo)) (guarded, bare http.Handler) {
		r, b := echo.New(), echo.New()
		if err := must(authecho.New(auth)).Mount(r); err != nil {
			t.Fatal(err)
		}
		routes(r)
		routes(b)
		return r, b
	}
	auth, admin, user := siteAuth(t, authsession.RouteHybrid, guardtest.ExceptionRules())
	g, b := build(auth, func(r *echo.Echo) {
		for _, l := range []string{"", "/en", "/ar"} {
			r.Any(l+"/files", h(prot("files")))
			r.Any(l+"/files/*", h(prot("files")))
			r.Any(l+"/files/public", h(open("files-public")))
			r.Any(l+"/files/public/*", h(open("files-public")))
			r.Any(l+"/dashboard", h(prot("dashboard")))
			r.Any(l+"/dashboard/*", h(prot("dashboard")))
			r.Any(l+"/dashboard/help", h(open("help")))
			r.Any(l+"/dashboard/welcome", h(open("welcome")))
			r.Any(l+"/admin", h(prot("admin")))
			r.Any(l+"/admin/*", h(prot("admin")))
			r.Any(l+"/api", h(prot("api")))
			r.Any(l+"/api/*", h(prot("api")))
			r.Any(l+"/api/public", h(open("api-public")))
			r.Any(l+"/api/public/*", h(open("api-public")))
			r.Any(l+"/users/:id/settings", h(prot("settings")))
			r.Any(l+"/users/:id/settings/help", h(open("settings-help")))
			r.Any(l+"/login", h(open("login")))
		}
	})
	sites = append(sites, guardtest.Site{Name: "echo (authecho), exceptions", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
	for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
		auth, admin, user := siteAuth(t, def, guardtest.IssueRules())
		g, b := build(auth, func(r *echo.Echo) {
			r.Any("/", h(open("home")))
			r.Any("/login", h(open("login")))
			r.Any("/static/*", h(open("static")))
			r.Any("/admin*", h(adminHandler("admin")))
			r.Any("/:lang/dashboard", h(prot("dashboard")))
			r.Any("/:lang/dashboard/*", h(prot("dashboard")))
			r.Any("/:lang/admin", h(adminHandler("admin")))
		})
		sites = append(sites, guardtest.Site{Name: "echo (authecho), issue, " + string(def), Guarded: g, Bare: b, Cookie: admin, UserCookie: user})
	}
	auth, admin, user = siteAuth(t, authsession.RouteAuth, guardtest.SPARules())
	g, b = build(auth, func(r *echo.Echo) { r.Any("/*", h(guardtest.PathHandler("spa", guardtest.SPALevel))) })
	return append(sites, guardtest.Site{Name: "echo (authecho), spa", Guarded: g, Bare: b, Cookie: admin, UserCookie: user, Documented: true})
}

// adapterSites are every site above, with the targets to send to each.
func adapterSites(t testing.TB) (sites []guardtest.Site, targets [][]string) {
	exceptions := guardtest.Gen{Bases: guardtest.ExceptionBases, Prefixes: guardtest.LocaleForms}.Targets(11, 1500)
	issue := guardtest.Gen{Bases: guardtest.IssueBases, Prefixes: guardtest.IssueForms}.Targets(12, 1500)
	spa := guardtest.Gen{Bases: guardtest.SPABases, Prefixes: guardtest.LocaleForms}.Targets(13, 800)
	for _, group := range [][]guardtest.Site{chiSites(t), gorillaSites(t), ginSites(t), echoSites(t)} {
		sites = append(sites, group...)
		targets = append(targets, exceptions, issue, issue, spa)
	}
	return sites, targets
}

// TestRouterDifferentialAdapters: on every site, no target reaches a
// handler that the visitor may not reach (anonymous: no User or Admin
// handler; a user: no Admin handler); with an admin's session the
// guard's redirects keep the handler the router alone serves for the
// canonical path; and on documented set-ups no page is locked by
// mistake.
func TestRouterDifferentialAdapters(t *testing.T) {
	sites, targets := adapterSites(t)
	for i, site := range sites {
		t.Run(site.Name, func(t *testing.T) {
			st := site.Run(t, targets[i])
			t.Logf("%+v", st)
			if st.BareReached == 0 || st.SignedIn == 0 || st.Canonicalled == 0 {
				t.Errorf("the targets did not exercise the site: %+v", st)
			}
		})
	}
}

// sessionCookie returns a Cookie header with a session of role.
func sessionCookie(t testing.TB, auth *authsession.AuthSession[authsession.User], role string) string {
	t.Helper()
	tok, err := auth.EncryptSession(authsession.Session[authsession.User]{
		User:      authsession.User{ID: "u_" + role, Extra: map[string]any{"role": role}},
		CreatedAt: testNow, LastActivity: testNow, ExpiresAt: testNow.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return auth.Config.Cookie.Name + "=" + tok
}
