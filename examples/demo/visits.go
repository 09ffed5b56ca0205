package main

import (
	"fmt"
	"net/http"

	"github.com/authsession/authsession"
)

// visits is next-session's README example: a count kept in the visitor's
// session, signed in or not. It counts on across a sign-in (the visitor's
// data goes with them) and starts again after a sign-out, in either
// storage; a visitor's session starts with the first visit.
func (a *app) visits(w http.ResponseWriter, r *http.Request) {
	views, _ := authsession.Get[int](a.auth.SessionData(r), "views")
	views++
	if err := a.auth.SetData(w, r, "views", views); err != nil {
		a.log.Warn("demo: counting a visit failed", "error", err.Error())
		http.Error(w, "The visit could not be counted. Try again later.", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "In this session, you have visited this website %d time(s).", views)
}
