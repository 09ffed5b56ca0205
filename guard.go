package authsession

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/authsession/authsession/patterns"
)

// AuthorizeFunc is the guard's hook, as next-auth-session's
// authorize(isAuthenticated, request, rule). It runs on every request the
// guard judges (not on refused or canonicalising redirects), after the
// session is decoded and before the guard's default response: returning a
// non-nil handler serves that handler instead of the default (the next
// handler, a login redirect or a home redirect); returning nil keeps the
// default.
//
// r carries the session, so auth.GetSession(r) inside the hook costs
// nothing. rule is the matched rule as configured (compare rule.Pattern
// with the constants in package patterns), or Rule{Type:
// Config.DefaultRouteType} with an empty Pattern when no rule matched.
// The hook is called concurrently and must not modify r.
type AuthorizeFunc func(isAuthenticated bool, r *http.Request, rule Rule) http.Handler

// action is what the guard does with a request.
type action uint8

const (
	actionNext   action = iota // serve the next handler
	actionLogin                // no session on an auth route: login redirect or 401
	actionHome                 // session on a public route: callbackUrl/home redirect or 403
	actionClean                // unclean path: redirect to its cleaned form
	actionReject               // ambiguous path: 400
)

// verdict is the guard's judgement of a path, before the session is known.
type verdict struct {
	act       action // actionNext (judged), actionClean or actionReject
	canonical string // actionClean: where to go
	locale    string // the stripped locale prefix, or ""
	path      string // the judged path: cleaned, decoded, no locale or trailing slash
	rule      Rule   // the matching rule, or the default type with no pattern
}

// decide is the guard's decision for a judged path: pure, no HTTP.
func (v verdict) decide(authenticated bool) action {
	if v.act != actionNext {
		return v.act
	}
	switch {
	case v.rule.Type == RouteAuth && !authenticated:
		return actionLogin
	case v.rule.Type == RoutePublic && authenticated:
		return actionHome
	}
	return actionNext
}

// routeTable judges paths: compiled rules, default type and locales. It is
// immutable and safe for concurrent use.
type routeTable struct {
	rt      *router
	def     RouteType
	locales []string
}

// classify judges a request path. p is the decoded path (r.URL.Path) and
// raw its original encoding when it differs (r.URL.RawPath). It refuses
// paths a router could read differently from the guard: encoded "/" (a
// router working on the raw path sees other segments), backslashes in any
// form and control characters. Paths with empty, "." or ".." segments
// are sent to their cleaned form, as net/http's ServeMux does, and judged
// there. For clean paths it does not allocate.
func (t *routeTable) classify(p, raw string) verdict {
	if p == "" {
		p = "/"
	}
	if p[0] != '/' || hasControlOrBackslash(p) || hasEncodedSeparator(raw) {
		return verdict{act: actionReject}
	}
	if !isCleanPath(p) {
		return verdict{act: actionClean, canonical: cleanPath(p)}
	}
	v := verdict{act: actionNext}
	if len(t.locales) > 0 {
		end := strings.IndexByte(p[1:], '/') + 1
		if end == 0 {
			end = len(p)
		}
		for _, l := range t.locales {
			if p[1:end] == l {
				v.locale, p = l, p[end:]
				if p == "" {
					p = "/"
				}
				break
			}
		}
	}
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	v.path = p
	if i := t.rt.match(p); i >= 0 {
		v.rule = t.rt.rules[i]
	} else {
		v.rule = Rule{Type: t.def}
	}
	return v
}

// hasControlOrBackslash: some proxies and servers read "\" as "/".
func hasControlOrBackslash(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\' {
			return true
		}
	}
	return false
}

// hasEncodedSeparator reports whether raw contains %2F or %5C in any case.
func hasEncodedSeparator(raw string) bool {
	for i := strings.IndexByte(raw, '%'); i >= 0 && i+2 < len(raw); {
		switch raw[i+1] {
		case '2':
			if raw[i+2] == 'f' || raw[i+2] == 'F' {
				return true
			}
		case '5':
			if raw[i+2] == 'c' || raw[i+2] == 'C' {
				return true
			}
		}
		j := strings.IndexByte(raw[i+1:], '%')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

// cleanPath is net/http's canonical form: path.Clean, keeping a trailing
// slash.
func cleanPath(p string) string {
	c := path.Clean(p)
	if c != "/" && strings.HasSuffix(p, "/") {
		c += "/"
	}
	return c
}

// guard is the route guard: a routeTable to judge paths and an engine to
// read sessions. It is immutable and safe for concurrent use.
type guard[U any] struct {
	e     *engine[U]
	table routeTable
	login string
	home  string
}

// newGuard compiles the route rules once. A bad pattern, or a login path
// that would itself need a session (a redirect loop), is an error wrapping
// ErrConfig.
func newGuard[U any](e *engine[U]) (*guard[U], error) {
	rt, err := compileRules(e.cfg.Routes)
	if err != nil {
		return nil, err
	}
	g := &guard[U]{
		e:     e,
		table: routeTable{rt: rt, def: e.cfg.DefaultRouteType, locales: e.cfg.Locales},
		login: e.cfg.LoginPath,
		home:  e.cfg.HomePath,
	}
	loginPath, _, _ := strings.Cut(g.login, "?")
	if v := g.table.classify(loginPath, ""); v.act != actionNext || v.rule.Type == RouteAuth {
		return nil, configError("LoginPath", "%q is judged %s by the route rules: visitors without a session could never reach it; add authsession.Public(%q)", g.login, v.rule.Type, loginPath)
	}
	homePath, _, _ := strings.Cut(g.home, "?")
	if v := g.table.classify(homePath, ""); v.act != actionNext || v.rule.Type == RoutePublic {
		return nil, configError("HomePath", "%q is judged %s by the route rules: signed-in visitors would be sent away from it in a loop", g.home, v.rule.Type)
	}
	return g, nil
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
		g.refuse(w, r, v)
		return
	case actionClean:
		redirect(w, r, (&url.URL{Path: v.canonical, RawQuery: r.URL.RawQuery}).String(), http.StatusTemporaryRedirect)
		return
	}
	// No cookie, no cryptography and no allocation: the common anonymous
	// request goes straight to its decision. With a cookie the session is
	// decoded once (a cache hit for a cookie seen before), auto-refreshed
	// on every route type, and handed to the handler in the context.
	authenticated := false
	if tok, has := g.e.token(r); has {
		s, ok := g.e.loadToken(r, tok)
		if ok {
			// Before the handler writes anything: re-issue when due.
			s, ok = g.e.autoRefresh(w, r, s)
		}
		r = g.e.withSession(r, s, ok)
		authenticated = ok
	}
	act := v.decide(authenticated)
	if hook != nil {
		if h := hook(authenticated, r, v.rule); h != nil {
			h.ServeHTTP(w, r)
			return
		}
	}
	switch act {
	case actionLogin:
		g.toLogin(w, r, v)
	case actionHome:
		g.toHome(w, r, v)
	default:
		next.ServeHTTP(w, r)
	}
}

// wantsJSON reports whether the client expects JSON rather than a page:
// paths under patterns.API, or an Accept header naming application/json
// but not text/html. It only picks the response's form, never the decision.
func wantsJSON(r *http.Request, judged string) bool {
	api := strings.TrimSuffix(patterns.API, "/*")
	if judged == api || strings.HasPrefix(judged, api+"/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// JSON error bodies. The codes are stable; the messages are generic.
const (
	jsonUnauthenticated = `{"error":{"code":"unauthenticated","message":"authentication required"}}`
	jsonAuthenticated   = `{"error":{"code":"already_authenticated","message":"this route is for visitors without a session"}}`
	jsonBadPath         = `{"error":{"code":"bad_path","message":"the request path is ambiguous"}}`
)

func writeJSONError(w http.ResponseWriter, code int, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Cookie")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

func (g *guard[U]) refuse(w http.ResponseWriter, r *http.Request, v verdict) {
	if wantsJSON(r, r.URL.Path) {
		writeJSONError(w, http.StatusBadRequest, jsonBadPath)
		return
	}
	http.Error(w, "400 bad request: ambiguous path", http.StatusBadRequest)
}

// toLogin sends a visitor without a session to the login path, carrying
// where they were going (path and query) in callbackUrl; JSON clients get
// a 401.
func (g *guard[U]) toLogin(w http.ResponseWriter, r *http.Request, v verdict) {
	if wantsJSON(r, v.path) {
		writeJSONError(w, http.StatusUnauthorized, jsonUnauthenticated)
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
func (g *guard[U]) toHome(w http.ResponseWriter, r *http.Request, v verdict) {
	if wantsJSON(r, v.path) {
		writeJSONError(w, http.StatusForbidden, jsonAuthenticated)
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
