// Package authgorilla puts authsession's route guard in front of a
// gorilla/mux router (github.com/gorilla/mux) so that it judges the route
// the router serves.
//
//	g, err := authgorilla.New(auth)
//	if err != nil { … }
//	r := mux.NewRouter()
//	r.HandleFunc("/dashboard", dashboard)
//	r.PathPrefix("/admin").Handler(auth.Require(isAdmin)(admin))
//	h, err := g.Handler(r)
//	if err != nil { … }
//	http.ListenAndServe(addr, h)
//
// The guard wraps the router: it sees every request, including those no
// route serves, asks the router which route serves it (Router.Match),
// and judges that route's path template (prefix routes included) as well
// as the path: see docs/routing.md. gorilla/mux takes net/http
// middleware as it is, so the per-route checks are authsession's own:
// auth.RequireSession and auth.Require(check). The guard serves the
// session API at Config.APIPath itself, so the API needs no route.
package authgorilla

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gorilla/mux"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/adapt"
)

// Guard is the route guard of one AuthSession for one gorilla/mux
// router. It is safe for concurrent use.
type Guard[U any] struct {
	g      *authsession.Guard[U]
	routes *adapt.Memo[*mux.Route]
	r      *mux.Router
}

// New returns the guard of auth, an AuthSession from NextAuthSession.
func New[U any](auth *authsession.AuthSession[U]) (*Guard[U], error) {
	g, err := authsession.NewGuard(auth, nil)
	if err != nil {
		return nil, fmt.Errorf("authgorilla: %w", err)
	}
	return &Guard[U]{g: g, routes: adapt.NewMemo(pattern)}, nil
}

// Handler returns r behind the guard. Routes may be added to r before or
// after. It fails when the guard wraps a router already (one Guard per
// router).
func (g *Guard[U]) Handler(r *mux.Router) (http.Handler, error) {
	if r == nil {
		return nil, errors.New("authgorilla: Handler(nil)")
	}
	if g.r != nil {
		return nil, errors.New("authgorilla: this Guard wraps a router already; use one Guard per router")
	}
	g.r = r
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req, ok := g.g.Check(w, req, g.route(req), g.route); ok {
			r.ServeHTTP(w, req)
		}
	}), nil
}

// route asks the router which route serves req. Router.Match also builds
// the route's middleware chain (the router's Use), as ServeHTTP does.
func (g *Guard[U]) route(req *http.Request) string {
	var m mux.RouteMatch
	if !g.r.Match(req, &m) || m.MatchErr != nil {
		return ""
	}
	return g.routes.Get(m.Route)
}

// pattern translates a route into the guard's syntax: its host and path
// templates, a variable that can match "/" taking the rest of the path,
// a PathPrefix (a path regexp not anchored at its end) taking every path
// that continues its template, and a route without a path matcher
// serving every path.
func pattern(rt *mux.Route) string {
	host, _ := rt.GetHostTemplate()
	tpl, err := rt.GetPathTemplate()
	if err != nil {
		return host + "/{...}"
	}
	re, _ := rt.GetPathRegexp()
	var b strings.Builder
	b.WriteString(host)
	for i := 0; i < len(tpl); i++ {
		if tpl[i] != '{' {
			b.WriteByte(tpl[i])
			continue
		}
		start, depth := i, 1
		for i+1 < len(tpl) && depth > 0 {
			i++
			switch tpl[i] {
			case '{':
				depth++
			case '}':
				depth--
			}
		}
		if spansSegments(tpl[start+1 : i]) {
			b.WriteString("{...}")
			return b.String()
		}
		b.WriteString("{p}")
	}
	p := b.String()
	switch {
	case !strings.HasSuffix(re, "$"):
		return p + "{...}"
	case strings.HasSuffix(p, "/"):
		return p + "{$}"
	}
	return p
}

// spansSegments reports whether the variable v ("name" or
// "name:pattern") can match a value containing "/".
func spansSegments(v string) bool {
	_, pat, ok := strings.Cut(v, ":")
	if !ok {
		return false // gorilla's default, [^/]+
	}
	re, err := regexp.Compile("^(?:" + pat + ")$")
	if err != nil {
		return true
	}
	for _, s := range []string{"/", "a/", "/a", "a/a", "0/0"} {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
