package authsession

import (
	"net/http"
	"net/url"
	"strings"
)

// AuthorizeFunc is the guard's hook, as next-auth-session's
// authorize(isAuthenticated, request, rule). It runs on every request the
// guard judges (not on refused or canonicalising redirects, nor on the
// session API at Config.APIPath), after the session is decoded and before
// the guard's default response: returning a non-nil handler serves that
// handler instead of the default (the next handler, a login redirect, a
// home redirect or an AuthWhere 403); returning nil keeps the default.
//
// r carries the session: [SessionFromContext] (or auth.GetSession(r))
// inside the hook costs nothing. rule is the matched rule as configured,
// or Rule{Type: Config.DefaultRouteType} with an empty Pattern when no
// rule matched.
//
// The hook may run more than once per request: once per distinct rule
// the path falls under, at most four times. A router can read one path
// several ways (with and without a trailing slash, a first segment shaped
// like a language tag as part of the path or as a {lang} parameter; see
// [Config.Locales]), and each reading may match its own rule. The calls
// stop at the first non-nil handler, and an Auth rule comes first when
// any reading has one. It is not called once with a single "strictest"
// rule because two readings can each carry an Auth rule with its own
// check (/me/admin with Auth("/me/*") and a hook that checks the role on
// "/admin/*"): a hook keyed on the rule must see both. So keep it cheap
// and free of side effects per call (count requests elsewhere). For role
// checks, prefer [AuthWhere] or [AuthSession.Require], which receive the
// session and compare no patterns. The hook is called concurrently and
// must not modify r.
type AuthorizeFunc func(isAuthenticated bool, r *http.Request, rule Rule) http.Handler

// guard is the route guard: a routeTable to judge paths and an engine to
// read sessions. It also answers for the per-handler middleware
// (require.go). It is immutable and safe for concurrent use.
type guard[U any] struct {
	e     *engine[U]
	table routeTable
	login string
	home  string
	api   http.Handler // the session API (Handlers), served at Config.APIPath
	// jsonPrefix is the first segment of Config.APIPath: paths under it
	// get JSON answers (wantsJSON).
	jsonPrefix string
}

// newGuard builds the guard over the route table that resolve compiled
// and checked, answering the session API's paths with api.
func newGuard[U any](e *engine[U], table routeTable, api http.Handler) *guard[U] {
	seg, _ := firstSegment(e.cfg.APIPath)
	return &guard[U]{
		e:          e,
		table:      table,
		login:      e.cfg.LoginPath,
		home:       e.cfg.HomePath,
		api:        api,
		jsonPrefix: "/" + seg,
	}
}

// middleware returns the guard with hook running after Config.Authorize
// (when that returns nil). The chain is built here once, never per request.
func (g *guard[U]) middleware(hook AuthorizeFunc) func(http.Handler) http.Handler {
	if cfgHook := g.e.cfg.Authorize; cfgHook != nil && hook != nil {
		custom := hook
		hook = func(ok bool, r *http.Request, rule Rule) http.Handler {
			if h := cfgHook(ok, r, rule); h != nil {
				return h
			}
			return custom(ok, r, rule)
		}
	} else if cfgHook != nil {
		hook = cfgHook
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g.serve(w, r, next, hook)
		})
	}
}

func (g *guard[U]) serve(w http.ResponseWriter, r *http.Request, next http.Handler, hook AuthorizeFunc) {
	v := g.table.classify(r.URL.Path, r.URL.RawPath)
	switch v.act {
	case actionReject:
		g.refuse(w, r)
		return
	case actionClean:
		// 307 keeps the method and the body; the query is kept as sent.
		redirect(w, r, (&url.URL{Path: v.canonical, RawQuery: r.URL.RawQuery}).String(), http.StatusTemporaryRedirect)
		return
	}
	// No cookie, no cryptography: the common anonymous request goes
	// straight to its decision. With a cookie the session is decoded once
	// (a cache hit for a cookie seen before), auto-refreshed on every
	// route type, and handed to the handler in the context, with a
	// response writer that commits the session's changes before the
	// header goes out (one allocation, with or without a cookie).
	w, r, st, own := g.e.begin(w, r)
	authenticated := st.signedIn()
	if v.act == actionAPI {
		// The session API and its client files, whatever the rules say:
		// the API does its own checks. The guard serves it itself, so no
		// other handler of the router can be reached through this path.
		g.api.ServeHTTP(w, r)
		g.e.end(w, st, own)
		return
	}
	act := g.decide(&v, st)
	if act == actionHome && !safeMethod(r.Method) {
		// A form post to a public route (the sign-in form) reaches its
		// handler with a session: switching accounts. Its CreateSession
		// replaces the session. Cross-site posts are the handler's
		// CrossOriginProtection's to refuse.
		act = actionNext
	}
	if hook != nil {
		if h := v.hook(hook, authenticated, r); h != nil {
			h.ServeHTTP(w, r)
			g.e.end(w, st, own)
			return
		}
	}
	switch act {
	case actionLogin:
		g.toLogin(w, r, &v)
	case actionHome:
		g.toHome(w, r, &v)
	case actionForbidden:
		g.forbid(w, r, &v)
	default:
		next.ServeHTTP(w, r)
	}
	g.e.end(w, st, own)
}

// decide is verdict.decide with the AuthWhere checks of every Auth rule
// the path falls under.
func (g *guard[U]) decide(v *verdict, st *requestState[U]) action {
	act := v.decide(st.signedIn())
	if act != actionNext || !st.signedIn() || v.rule.Type != RouteAuth {
		return act
	}
	if !allows(v.rule, st.session) {
		return actionForbidden
	}
	for _, alt := range v.alts[:v.nalts] {
		if alt.Type == RouteAuth && !allows(alt, st.session) {
			return actionForbidden
		}
	}
	return actionNext
}

// safeMethod reports whether method is safe (RFC 9110): a signed-in
// visitor's GET of a public route goes home, a POST reaches its handler.
func safeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// hook runs h for the deciding rule, then for each other reading's rule,
// until one returns a handler.
func (v *verdict) hook(h AuthorizeFunc, authenticated bool, r *http.Request) http.Handler {
	if out := h(authenticated, r, v.rule); out != nil {
		return out
	}
	for _, alt := range v.alts[:v.nalts] {
		if out := h(authenticated, r, alt); out != nil {
			return out
		}
	}
	return nil
}

// wantsJSON reports whether the client expects JSON rather than a page:
// paths under the first segment of Config.APIPath (/api with the default
// /api/session), or an Accept header naming application/json but not
// text/html. It only picks the response's form, never the decision.
func (g *guard[U]) wantsJSON(r *http.Request, judged string) bool {
	if p := g.jsonPrefix; judged == p || strings.HasPrefix(judged, p) && judged[len(p)] == '/' {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// writeError is the guard's JSON answer: writeError's, varying with the
// cookie.
func (g *guard[U]) writeError(w http.ResponseWriter, code errCode) {
	w.Header().Add("Vary", "Cookie")
	writeError(w, code)
}

func (g *guard[U]) refuse(w http.ResponseWriter, r *http.Request) {
	if g.wantsJSON(r, r.URL.Path) {
		g.writeError(w, codeBadPath)
		return
	}
	http.Error(w, "400 bad request: ambiguous path", http.StatusBadRequest)
}

// toLogin sends a visitor without a session to the login path, carrying
// where they were going (path and query) in callbackUrl; JSON clients get
// a 401.
func (g *guard[U]) toLogin(w http.ResponseWriter, r *http.Request, v *verdict) {
	if g.wantsJSON(r, v.path) {
		g.writeError(w, codeUnauthenticated)
		return
	}
	back := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		back += "?" + r.URL.RawQuery
	}
	loc := localize(v.locale, g.login)
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	redirect(w, r, loc+sep+"callbackUrl="+url.QueryEscape(back), redirectStatus(r.Method))
}

// toHome sends a signed-in visitor away from a public route: to
// callbackUrl when it is a local path, else to the home path. JSON clients
// get a 403.
func (g *guard[U]) toHome(w http.ResponseWriter, r *http.Request, v *verdict) {
	if g.wantsJSON(r, v.path) {
		g.writeError(w, codeAuthenticated)
		return
	}
	loc := localize(v.locale, g.home)
	if strings.Contains(r.URL.RawQuery, "callbackUrl") {
		if cb, ok := safeRedirect(r.URL.Query().Get("callbackUrl")); ok {
			loc = cb
		}
	}
	redirect(w, r, loc, redirectStatus(r.Method))
}

// forbid answers a signed-in visitor who fails a check (AuthWhere,
// Require): JSON clients get a 403 with a JSON body, browsers
// Config.ForbiddenHandler or a plain 403 page.
func (g *guard[U]) forbid(w http.ResponseWriter, r *http.Request, v *verdict) {
	if g.wantsJSON(r, v.path) {
		g.writeError(w, codeForbidden)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Cookie")
	if f := g.e.cfg.ForbiddenHandler; f != nil {
		f.ServeHTTP(w, r)
		return
	}
	http.Error(w, "403 forbidden", http.StatusForbidden)
}
