package authsession

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
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
// the request falls under. The path can be read several ways (with and
// without a trailing slash; a first segment shaped like a language tag
// as a {lang} parameter, when the guard cannot ask the router; see
// [Config.Locales]), and the route the router serves it with adds the
// Auth rules of the other paths it serves (docs/routing.md). The calls
// stop at the first non-nil handler, and an Auth rule comes first when
// there is one. It is not called once with a single "strictest" rule
// because several Auth rules can each carry their own check (/me/admin
// with Auth("/me/*") and a hook that checks the role on "/admin/*"): a
// hook keyed on the rule must see each. So keep it cheap and free of
// side effects per call (count requests elsewhere). For role checks,
// prefer [AuthWhere] or [AuthSession.Require], which receive the session
// and compare no patterns. The hook is called concurrently and must not
// modify r.
type AuthorizeFunc func(isAuthenticated bool, r *http.Request, rule Rule) http.Handler

// guard is the route guard: a routeTable to judge paths and an engine to
// read sessions. It also answers for the per-handler middleware
// (guard_require.go). It is immutable and safe for concurrent use.
type guard[U any] struct {
	e     *engine[U]
	table routeTable
	login string
	home  string
	api   http.Handler // the session API (Handlers), served at Config.APIPath
	// jsonPrefix is the first segment of Config.APIPath: paths under it
	// get JSON answers (wantsJSON).
	jsonPrefix string
	forbidden  string // the default 403 page
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
		forbidden:  forbiddenPage(e.cfg.HomePath),
	}
}

// chain returns hook running after Config.Authorize (when that returns
// nil), or whichever of the two is set.
func (g *guard[U]) chain(hook AuthorizeFunc) AuthorizeFunc {
	cfgHook := g.e.cfg.Authorize
	switch {
	case cfgHook == nil:
		return hook
	case hook == nil:
		return cfgHook
	}
	return func(ok bool, r *http.Request, rule Rule) http.Handler {
		if h := cfgHook(ok, r, rule); h != nil {
			return h
		}
		return hook(ok, r, rule)
	}
}

// middleware returns the guard with hook running after Config.Authorize
// (when that returns nil). The chain is built here once, never per
// request. When next is a *http.ServeMux the guard asks it which route
// serves each request (ServeMux.Handler) and judges that route.
func (g *guard[U]) middleware(hook AuthorizeFunc) func(http.Handler) http.Handler {
	hook = g.chain(hook)
	return func(next http.Handler) http.Handler {
		h := &guardHandler[U]{g: g, next: next, hook: hook}
		if mux, ok := next.(*http.ServeMux); ok {
			h.ask = muxRoute(mux)
		}
		return h
	}
}

// guardHandler is the guard in front of next. It is safe for concurrent
// use; its route cache fills as routes are first served.
type guardHandler[U any] struct {
	g      *guard[U]
	next   http.Handler
	hook   AuthorizeFunc
	ask    func(*http.Request) string // next's router, or nil
	routes routeCache
}

func (h *guardHandler[U]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rt routing
	if h.ask != nil {
		rt = routing{known: true, ask: h.ask, cache: &h.routes}
	}
	var s guardSession[U]
	if r, ok := h.g.check(w, r, rt, h.hook, &s); ok {
		h.next.ServeHTTP(s.w, r)
	}
	s.end()
}

// muxRoute asks mux which pattern serves r: "" for none (a 404 or 405)
// and for mux's redirect to the path with a slash added, which serves
// nothing either.
func muxRoute(mux *http.ServeMux) func(*http.Request) string {
	return func(r *http.Request) string {
		_, pat := mux.Handler(r)
		if p := r.URL.Path; len(pat) == len(p)+1 && pat[len(p)] == '/' && strings.HasPrefix(pat, p) {
			return ""
		}
		return pat
	}
}

// routing is what the guard knows of the router after it: whether it
// can ask it (known), the route serving the request when the caller
// already knows it (route, with ask nil or only for the route's
// candidates), and where route verdicts are kept.
type routing struct {
	known bool
	route string
	given bool // route holds the answer; do not ask for the request itself
	ask   func(*http.Request) string
	cache *routeCache
}

// check is the guard's decision for r: it returns the request to hand on
// (carrying the session) and true, or false when the guard answered
// itself (a refusal, a redirect, a 401 or 403, or the session API). s
// holds the session it read and the response writer to hand on with it.
func (g *guard[U]) check(w http.ResponseWriter, r *http.Request, rt routing, hook AuthorizeFunc, s *guardSession[U]) (*http.Request, bool) {
	var v verdict
	g.table.screen(r.URL.Path, r.URL.RawPath, &v)
	switch v.act {
	case actionReject:
		g.refuse(w, r)
		return nil, false
	case actionClean:
		// 307 keeps the method and the body; the query is kept as sent.
		redirect(w, r, (&url.URL{Path: v.canonical, RawQuery: r.URL.RawQuery}).String(), http.StatusTemporaryRedirect)
		return nil, false
	case actionNext:
		g.judge(r, rt, &v)
	}
	// No cookie, no cryptography: the common anonymous request goes
	// straight to its decision. With a cookie the session is decoded once
	// (a cache hit for a cookie seen before), auto-refreshed on every
	// route type, and handed to the handler in the context, with a
	// response writer that commits the session's changes before the
	// header goes out (one allocation, with or without a cookie).
	w, r, st := s.begin(g.e, w, r)
	authenticated := st.signedIn()
	if v.act == actionAPI {
		// The session API and its client files, whatever the rules say:
		// the API does its own checks. The guard serves it itself, so no
		// other handler of the router can be reached through this path.
		g.api.ServeHTTP(w, r)
		return nil, false
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
			return nil, false
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
		return r, true
	}
	return nil, false
}

// judge judges r's clean path into v (a zero verdict) and, when the
// guard knows it, the route serving it. With no route (a 404, a redirect) or a catch-all, the path
// is judged as itself. Only when the guard cannot ask the router at all
// is the path also read with a language-tag first segment stripped
// (judgePath's guess), as a router with a {lang} parameter would.
func (g *guard[U]) judge(r *http.Request, rt routing, v *verdict) {
	p := r.URL.Path
	if p == "" {
		p = "/"
	}
	if !rt.known {
		g.table.judgePath(p, true, v)
		return
	}
	route := rt.route
	if !rt.given {
		route = rt.ask(r)
	}
	var rv *routeVerdict
	if route != "" {
		rv = rt.cache.get(&g.table, route, r, rt.ask)
	}
	g.table.judgePath(p, false, v)
	if rv != nil && !rv.catchAll {
		v.route = rv
	}
}

// decide is verdict.decide with the AuthWhere checks of every Auth rule
// the path falls under.
func (g *guard[U]) decide(v *verdict, st *requestState[U]) action {
	act := v.decide(st.signedIn())
	if act != actionNext || !st.signedIn() || !v.needsSession() {
		return act
	}
	if v.rule.Type == RouteAuth && !allows(v.rule, st.session) {
		return actionForbidden
	}
	for _, alt := range v.alts[:v.nalts] {
		if alt.Type == RouteAuth && !allows(alt, st.session) {
			return actionForbidden
		}
	}
	if v.route != nil {
		for _, rule := range v.route.auth {
			if !allows(rule, st.session) {
				return actionForbidden
			}
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

// hook runs h for the deciding rule, then for each other rule the path's
// readings and its route carry, until one returns a handler.
func (v *verdict) hook(h AuthorizeFunc, authenticated bool, r *http.Request) http.Handler {
	// The route's Auth rules come first when the path's own rule is not
	// an Auth rule: the hook sees the deciding rule first.
	routeFirst := v.rule.Type != RouteAuth
	if routeFirst {
		if out := v.hookRoute(h, authenticated, r); out != nil {
			return out
		}
	}
	if out := h(authenticated, r, v.rule); out != nil {
		return out
	}
	for _, alt := range v.alts[:v.nalts] {
		if out := h(authenticated, r, alt); out != nil {
			return out
		}
	}
	if !routeFirst {
		return v.hookRoute(h, authenticated, r)
	}
	return nil
}

// hookRoute runs h for each of the route's Auth rules that the path's
// readings do not carry.
func (v *verdict) hookRoute(h AuthorizeFunc, authenticated bool, r *http.Request) http.Handler {
	if v.route == nil {
		return nil
	}
	for _, rule := range v.route.auth {
		if rule == v.rule || slices.Contains(v.alts[:v.nalts], rule) {
			continue
		}
		if out := h(authenticated, r, rule); out != nil {
			return out
		}
	}
	return nil
}

// wantsJSON reports whether the guard answers r with JSON rather than
// a redirect or a page: paths under the first segment of Config.APIPath
// (/api with the default /api/session), an Accept header naming
// application/json but not text/html, and every request that is not a
// page load (pageLoad). It only picks the response's form, never the
// decision.
func (g *guard[U]) wantsJSON(r *http.Request, judged string) bool {
	if underPrefix(judged, g.jsonPrefix) {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html") || !pageLoad(r)
}

// pageLoad reports whether r loads a page in a browser tab (a navigation
// or a form post): a Sec-Fetch-Dest of "document" or none, and an Accept
// header naming text/html. A request for a script, style, image, font or
// data gets a JSON 401 instead of a redirect to the login page, whose
// HTML would take the asset's place. A request without an Accept header
// (an HTTP library's, never a browser's) counts as a page load, as
// before Sec-Fetch-Dest existed.
func pageLoad(r *http.Request) bool {
	if d := r.Header.Get("Sec-Fetch-Dest"); d != "" && d != "document" {
		return false
	}
	accept := r.Header.Get("Accept")
	return accept == "" || strings.Contains(accept, "text/html")
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
	http.Error(w, "400 Bad Request: the request path is ambiguous.", http.StatusBadRequest)
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
// Config.ForbiddenHandler or a small HTML page.
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
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, g.forbidden)
}

// forbiddenPage is the default 403 page, linking to the home path: built
// once, with no request data in it.
func forbiddenPage(home string) string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>403 Forbidden</title></head>
<body><h1>403 Forbidden</h1><p>You are signed in, but this page is not open to your account.</p>
<p><a href="` + html.EscapeString(home) + `">Home</a></p></body></html>
`
}
