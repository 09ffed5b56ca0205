package authsession

import "net/http"

// newHandlers builds the /api/session handler. (stub: the API issue fills it in)
func newHandlers[U any](e *engine[U]) (http.Handler, error) {
	return http.NotFoundHandler(), nil
}
