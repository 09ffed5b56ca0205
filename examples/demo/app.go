package main

import (
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
	"github.com/authsession/authsession/patterns"
)

// Demo session lifetimes: short enough that the dashboard's countdown and
// the sliding refresh are visible.
const (
	demoExpiry           = 30 * time.Minute
	demoRefreshThreshold = 5 * time.Minute
)

// options configures newApp; loadOptions (main.go) reads them from the
// environment.
type options struct {
	Secret string
	Logger *slog.Logger
	// Secure sets the cookie's Secure attribute. The demo serves plain
	// HTTP, so it is off unless COOKIE_SECURE=1.
	Secure bool
	// Store records sessions so that they can be listed and revoked; nil
	// keeps sessions stateless.
	Store authsession.Store
	// StoreName describes Store on the admin page ("memory", "redis").
	StoreName string
	// Storage is where sessions live: the cookie (the default) or, with
	// authsession.StorageServer, Store.
	Storage authsession.Storage
	// UnguardedPrefix, for the load test only (scripts/loadtest), serves
	// the same pages again under this prefix without the guard, so the
	// guard's cost can be measured against the same handlers.
	UnguardedPrefix string
	// SignInLimit limits sign-in attempts per client address
	// (ratelimit.go); the zero value is the default limit.
	SignInLimit signInLimit
	// OIDC names an OpenID provider to sign in with (oidc.go).
	OIDC oidcOptions
}

type user = authsession.User

type app struct {
	auth      *authsession.AuthSession[user]
	pages     map[string]*template.Template
	clientJS  string
	storeName string
	log       *slog.Logger
	signIns   *signInLimiter           // nil: no limit
	oidc      *oidc.RelyingParty[user] // nil: no OpenID provider
}

// newApp returns the demo's handler: the guard in front of the session API
// and the pages.
func newApp(o options) (http.Handler, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &app{storeName: o.StoreName, log: o.Logger, signIns: newSignInLimiter(o.SignInLimit, o.Logger)}
	if a.storeName == "" {
		a.storeName = "none (stateless)"
	}
	auth, err := authsession.NextAuthSession(a.authConfig(o))
	if err != nil {
		return nil, err
	}
	a.auth = auth
	if err := a.startOIDC(o.OIDC); err != nil {
		return nil, err
	}
	a.clientJS = auth.ClientConfig.ScriptPath
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}
	root := a.routes()
	guarded := auth.Middleware(root)
	if o.UnguardedPrefix == "" {
		return guarded, nil
	}
	outer := http.NewServeMux()
	outer.Handle(o.UnguardedPrefix+"/", http.StripPrefix(o.UnguardedPrefix, root))
	outer.Handle("/", guarded)
	return outer, nil
}

// authConfig is the demo's authsession configuration: the route rules, the
// locales, what a user may update, the store and the audit log.
func (a *app) authConfig(o options) authsession.Config[user] {
	return authsession.Config[user]{
		Secret:           authsession.Secret(o.Secret),
		Expiry:           demoExpiry,
		RefreshThreshold: demoRefreshThreshold,
		Cookie:           authsession.CookieConfig{Insecure: !o.Secure},
		Logger:           o.Logger,
		// Deny by default: a page added to the router but not to Routes
		// needs a session; the pages anyone may see are named.
		DefaultRouteType: authsession.RouteAuth,
		Routes: []authsession.Rule{
			authsession.Public("/login"),  // only without a session
			authsession.Hybrid("/"),       // the home page, for everyone
			authsession.Hybrid("/logout"), // signing out works without a session too
			authsession.Hybrid("/auth/*"), // OpenID Connect sign-in, callback and sign-out (oidc.go)
			authsession.Hybrid("/visits"), // next-session's visit counter, for everyone (visits.go)
			authsession.Auth(patterns.Dashboard),
			authsession.AuthWhere(patterns.Admin, isAdmin), // other users get the 403 page
		},
		ForbiddenHandler: http.HandlerFunc(a.forbidden),
		Locales:          demoLocales,
		// The default allowlist is name and image; validateUpdate checks
		// names only, so only the name may change here.
		UpdatableFields: []string{"name"},
		ValidateUpdate:  validateUpdate,
		Storage:         o.Storage,
		Store:           o.Store,
		Events:          a.events(),
	}
}

// routes returns the demo's router, without the guard: the session API,
// and the pages behind the locale prefixes and cross-origin protection.
// A new page is a line here and, unless it needs a session (the default),
// a rule in authConfig.
func (a *app) routes() *http.ServeMux {
	pages := http.NewServeMux()
	pages.HandleFunc("GET /{$}", a.home)
	pages.HandleFunc("GET /login", a.loginForm)
	pages.HandleFunc("POST /login", a.limitSignIns(a.login))
	pages.HandleFunc("POST /logout", a.logout)
	pages.HandleFunc("GET /visits", a.visits)
	pages.HandleFunc("GET /dashboard", a.dashboard)
	pages.HandleFunc("POST /dashboard/name", a.updateName)
	pages.HandleFunc("POST /dashboard/extend", a.extend)
	pages.HandleFunc("POST /dashboard/note", a.saveNote)
	pages.HandleFunc("GET /dashboard/session", a.sessionPage)
	pages.HandleFunc("POST /dashboard/devices/revoke", a.revokeDevice)
	pages.HandleFunc("POST /dashboard/logout-everywhere", a.logoutEverywhere)
	// The admin check on the handler as well: it holds whatever the rules say.
	pages.Handle("GET /admin", a.auth.Require(isAdmin)(http.HandlerFunc(a.admin)))
	pages.HandleFunc("/", a.notFound)

	// Form posts are refused from other origins; the session API does its
	// own check.
	csrf := http.NewCrossOriginProtection()
	root := http.NewServeMux()
	root.Handle(a.auth.Config.APIPath, a.auth.Handlers)
	root.Handle(a.auth.Config.APIPath+"/", a.auth.Handlers)
	if a.oidc != nil {
		root.Handle("/auth/", a.oidc) // refuses cross-origin sign-outs itself
		// The callback signs users in: it counts against the same
		// per-client limit as the form.
		root.Handle("/auth/callback", a.limitSignIns(a.oidc.ServeHTTP))
	}
	root.Handle("/", csrf.Handler(localized(pages)))
	return root
}

// isAdmin is the admin area's check: the AuthWhere rule (a signed-in
// visitor without the admin role gets the 403 page; visitors without a
// session the login redirect) and auth.Require on the handler.
func isAdmin(s authsession.Session[user]) bool { return s.User.ExtraString("role") == "admin" }
