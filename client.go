package authsession

import "net/http"

// serveClientJS serves the embedded browser client at GET …/client.js.
// (stub: the browser-client issue fills it in)
func serveClientJS(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}
