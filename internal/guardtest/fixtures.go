package guardtest

import (
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// ExceptionRules protect areas with public and hybrid holes in them: the
// rule set of the differential tests' exception sites (root package and
// internal/routertest).
func ExceptionRules() []authsession.Rule {
	return []authsession.Rule{
		authsession.Public("/login"),
		authsession.Auth("/files/*"),
		authsession.Hybrid("/files/public/*"),
		authsession.Auth(patterns.Dashboard),
		authsession.Hybrid("/dashboard/help"),
		authsession.Public("/dashboard/welcome"),
		authsession.Auth(patterns.Admin),
		authsession.Auth(patterns.API),
		authsession.Hybrid("/api/public/*"),
		authsession.Auth("/users/*/settings"),
		authsession.Hybrid("/users/*/settings/help"),
		authsession.Public("/signup*"),
	}
}

// LangRules are the rules of the differential tests' {lang} sites
// (root package and internal/routertest), whose routers take any first
// segment as a language: an Auth area with an exception, an AuthWhere
// area, and non-Auth rules that name language-tag-shaped first segments
// (/faq, /css, /js) while the router serves only some paths below them
// literally, so that /faq/dashboard reaches the {lang} dashboard route.
func LangRules() []authsession.Rule {
	return []authsession.Rule{
		authsession.Public("/login"),
		authsession.Auth(patterns.Dashboard),
		authsession.Hybrid("/dashboard/help"),
		authsession.AuthWhere(patterns.Admin, IsAdmin),
		authsession.Hybrid("/faq/*"),
		authsession.Public("/css/*"),
		authsession.Hybrid("/js/*"),
	}
}

// LangBases are clean paths of the {lang} sites, for Gen; LangForms their
// first segments: language tags and the named segments of LangRules.
var (
	LangBases = []string{"/dashboard", "/dashboard/x", "/dashboard/help", "/admin", "/admin/x", "/faq/billing", "/css/site.css", "/js/app.js", "/login", "/"}
	LangForms = append([]string{"faq", "css", "js"}, TagForms...)
)

// ExceptionBases are clean paths of the exception sites, for Gen.
var ExceptionBases = []string{
	"/files", "/files/secret", "/files/public", "/files/public/x", "/files/publicity",
	"/dashboard", "/dashboard/x", "/dashboard/help", "/dashboard/welcome", "/admin/users",
	"/api/private", "/api/public/x", "/api/session", "/api/session/client.js",
	"/users/42/settings", "/users/42/settings/help", "/signup", "/login", "/",
}

// LocaleForms are first segments for Gen: configured locales (en, ar),
// other language tags in various cases, words, and encodings of a locale.
var LocaleForms = []string{"en", "ar", "fr", "EN", "Ar", "en-US", "zh-Hant-TW", "de_DE", "pt-br", "es-419", "english", "x", "%65n", "a%72"}

// TagForms are the language-tag-shaped first segments only.
var TagForms = []string{"en", "ar", "fr", "EN", "Ar", "en-US", "zh-Hant-TW", "de_DE", "pt-br", "es-419", "%65n", "F%52"}

// Prefixed returns "/"+form+t for every form and every target t that
// starts with "/".
func Prefixed(forms, targets []string) []string {
	var out []string
	for _, f := range forms {
		for _, t := range targets {
			if len(t) > 0 && t[0] == '/' {
				out = append(out, "/"+f+t)
			}
		}
	}
	return out
}

// IsAdmin is the admin check of the fixtures' AuthWhere rules.
func IsAdmin(s authsession.Session[authsession.User]) bool {
	return s.User.ExtraString("role") == "admin"
}

// IssueRules are the set-up a path-only guard misjudges: public areas
// (/static/*, /blog/*) whose names a router's unconstrained parameter
// also takes, a dashboard and an AuthWhere admin area that prefix routes
// (/admin*) reach.
func IssueRules() []authsession.Rule { return issueRules(authsession.Hybrid("/blog/*")) }

// issueRules are IssueRules with extra in place of the /blog area.
func issueRules(extra ...authsession.Rule) []authsession.Rule {
	rules := []authsession.Rule{authsession.Public("/login"), authsession.Hybrid("/"), authsession.Hybrid("/static/*")}
	return append(append(rules, extra...), authsession.Auth(patterns.Dashboard), authsession.AuthWhere(patterns.Admin, IsAdmin))
}

// IssueBases are clean paths of the issue sites, for Gen: the areas'
// names in a parameter's place, prefix-route paths with ";" and ".json"
// suffixes, locales.
var IssueBases = []string{
	"/static/dashboard", "/static/admin", "/blog/dashboard", "/blog/admin", "/static/app.js",
	"/administrator", "/admin.json", "/admin;x", "/admin", "/admin/users", "/adminx/y",
	"/dashboard", "/dashboard/x", "/x/dashboard", "/x/admin", "/login", "/",
}

// IssueForms are first segments for the issue sites: the public areas'
// names, locales and language tags, other words.
var IssueForms = []string{"static", "blog", "en", "ar", "fr", "EN", "x", "dashboard", "admin", "login"}

// SPABases are clean paths of a single-page application served by a
// catch-all route.
var SPABases = []string{"/", "/login", "/dashboard", "/dashboard/x", "/account", "/assets/app.js", "/en/dashboard", "/ar/login", "/x/y"}

// SPARules are the SPA sites' rules: deny by default (set by the site),
// a public sign-in page and public assets.
func SPARules() []authsession.Rule {
	return []authsession.Rule{authsession.Public("/login"), authsession.Hybrid("/"), authsession.Hybrid("/assets/*")}
}

// SPALevel is who may reach the SPA's catch-all at path p under
// SPARules and deny by default: the shell of a protected view needs a
// session.
func SPALevel(p string) Level {
	for _, l := range []string{"", "/en", "/ar"} {
		switch rest, _ := strings.CutPrefix(p, l); {
		case rest == "/login", rest == "/", rest == "" && l != "", strings.HasPrefix(rest, "/assets/"), rest == "/assets":
			return Open
		}
	}
	return User
}

// AdapterAuth is the AuthSession of the router adapters' tests
// (adapters/chi, echo, gin, gorilla), at a fixed clock, locales en and
// ar: IssueRules with the extra rules in place of the /blog area (none:
// /blog falls to def); with the Cookie header of a session of each role
// ("user", "admin"; "" for none).
func AdapterAuth(t testing.TB, def authsession.RouteType, extra ...authsession.Rule) (*authsession.AuthSession[authsession.User], map[string]string) {
	t.Helper()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	rules := issueRules(extra...)
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:           "adapter-test-secret-0123456789abcdef",
		Now:              func() time.Time { return now },
		DefaultRouteType: def,
		Locales:          []string{"en", "ar"},
		Routes:           rules,
	})
	if err != nil {
		t.Fatal(err)
	}
	cookies := map[string]string{"": ""}
	for _, role := range []string{"user", "admin"} {
		tok, err := auth.EncryptSession(authsession.Session[authsession.User]{
			User:      authsession.User{ID: "u_" + role, Extra: map[string]any{"role": role}},
			CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		cookies[role] = auth.Config.Cookie.Name + "=" + tok
	}
	return auth, cookies
}
