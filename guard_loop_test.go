package authsession_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/guardtest"
	"github.com/authsession/authsession/patterns"
)

// TestGuardNoRedirectLoop: for every configuration NextAuthSession
// accepts — each rule set of the guard's tests, each set of locales, each
// login and home path below (some under a locale, some behind the rules),
// both default route types — no request, with or without a session and
// under any locale prefix, ends in a redirect loop; and a visitor without
// a session sent to the login page reaches it.
func TestGuardNoRedirectLoop(t *testing.T) {
	ruleSets := map[string][]authsession.Rule{
		"guardConfig": guardConfig().Routes,
		"exceptions":  guardtest.ExceptionRules(),
		"lang":        guardtest.LangRules(),
		"README": {
			authsession.Public("/login"), authsession.Hybrid("/"), authsession.Hybrid("/blog*"),
			authsession.Auth(patterns.API), authsession.AuthWhere(patterns.Admin, isAdmin),
		},
		"locale-shaped areas": {
			authsession.Public("/login"), authsession.Hybrid("/orders/*"), authsession.Auth("/my/*"),
			authsession.Public("/fr/*"), authsession.Hybrid("/css/*"), authsession.Auth("/dashboard/*"),
		},
		"everything auth": {authsession.Auth("/*"), authsession.Public("/login")},
		"none":            nil,
	}
	localeSets := [][]string{nil, {"en", "ar"}, {"en", "my"}, {"fr"}, {"en-US", "ar"}}
	logins := []string{"/login", "/en/login", "/ar/login", "/fr/login", "/my/login", "/login/", "/login?next=1", "/css/login", "/dashboard"}
	homes := []string{"/", "/ar", "/my", "/fr", "/dashboard", "/login", "/css/x", "/fr/x"}
	accepted, refused := 0, 0
	for name, rules := range ruleSets {
		for _, locales := range localeSets {
			for _, login := range logins {
				for _, home := range homes {
					for _, def := range []authsession.RouteType{authsession.RouteHybrid, authsession.RouteAuth} {
						cfg := guardConfig()
						cfg.Routes, cfg.Locales, cfg.LoginPath, cfg.HomePath, cfg.DefaultRouteType = rules, locales, login, home, def
						auth, err := authsession.NextAuthSession(cfg)
						if err != nil {
							refused++
							continue
						}
						accepted++
						desc := name + " " + strings.Join(locales, ",") + " login " + login + " home " + home + " default " + string(def)
						checkNoLoop(t, desc, auth, locales)
					}
				}
			}
		}
	}
	t.Logf("%d configurations accepted, %d refused", accepted, refused)
	if accepted < 500 || refused < 500 {
		t.Errorf("got %d accepted and %d refused, want both to be exercised", accepted, refused)
	}
}

// checkNoLoop sends requests through auth's guard, in front of a handler
// that serves every path, and follows the redirects.
func checkNoLoop(t *testing.T, desc string, auth *authsession.AuthSession[authsession.User], locales []string) {
	t.Helper()
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	login, _, _ := strings.Cut(auth.Config.LoginPath, "?")
	home, _, _ := strings.Cut(auth.Config.HomePath, "?")
	cookies := []string{"", sessionCookie(t, auth, "user", guardNow)}
	for _, prefix := range append([]string{"", "/fr", "/EN"}, prefixes(locales)...) {
		for _, p := range []string{login, home, "/dashboard/x", "/css/x", "/my/orders/"} {
			target := prefix + p
			for _, cookie := range cookies {
				res := guardtest.Follow(h, target, cookie, nil)
				if res.Status/100 == 3 {
					t.Fatalf("%s: %s (signed in %v) ends in a redirect: %v", desc, target, cookie != "", res)
				}
			}
		}
		// A visitor without a session sent to the login page reaches it.
		res := guardtest.Follow(h, prefix+"/dashboard/x", "", nil)
		last, _, _ := strings.Cut(res.Hops[len(res.Hops)-1], "?")
		if len(res.Hops) > 1 && strings.Contains(res.Hops[1], "callbackUrl=") && strings.TrimSuffix(last, "/") != strings.TrimSuffix(localized(prefix, locales, login), "/") {
			t.Fatalf("%s: %s ends at %q, not at the login page: %v", desc, prefix+"/dashboard/x", last, res)
		}
	}
}

func prefixes(locales []string) []string {
	var out []string
	for _, l := range locales {
		out = append(out, "/"+l)
	}
	return out
}

// localized is the login path the guard sends a visitor under prefix to.
func localized(prefix string, locales []string, p string) string {
	for _, l := range locales {
		if prefix == "/"+l {
			if p == "/" {
				return prefix
			}
			return prefix + p
		}
	}
	return p
}
