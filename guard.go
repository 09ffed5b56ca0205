package authsession

import "net/http"

// AuthorizeFunc runs after the guard's own decision. Returning a non-nil
// handler overrides the guard's response; nil keeps it.
type AuthorizeFunc func(isAuthenticated bool, r *http.Request, rule Rule) http.Handler

// newGuard builds the route guard middleware. (stub: the guard issue fills it in)
func newGuard[U any](e *engine[U]) (func(http.Handler) http.Handler, error) {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, ok := e.load(r)
			if ok {
				s, ok = e.autoRefresh(w, r, s)
			}
			next.ServeHTTP(w, e.withSession(r, s, ok))
		})
	}, nil
}
