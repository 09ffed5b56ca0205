package main

import (
	"errors"
	"net/http"
	"strings"

	"github.com/authsession/authsession"
)

// The dashboard and its forms: the display name, extending the session
// without JavaScript. The note form is in session_data.go.

// session returns the request's session. The guard already sent visitors
// without one away from /dashboard/* and /admin/*; this is the second line
// of defence should a route rule ever be dropped.
func (a *app) session(w http.ResponseWriter, r *http.Request) (authsession.Session[user], bool) {
	s, ok := a.auth.GetSession(r)
	if !ok {
		l := localeOf(r)
		http.Redirect(w, r, l.Link("/login"), http.StatusSeeOther)
	}
	return s, ok
}

func (a *app) dashboard(w http.ResponseWriter, r *http.Request) {
	s, ok := a.session(w, r)
	if !ok {
		return
	}
	d := pageData{Notice: a.notice(w, r)}
	d.Note, _ = authsession.Get[string](s.Data, noteKey)
	a.render(w, r, http.StatusOK, "dashboard", d)
}

// updateName is the "update my display name" form, a server action.
func (a *app) updateName(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.session(w, r); !ok {
		return
	}
	l := localeOf(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	res := a.auth.Actions.Update(w, r, map[string]any{"name": name})
	if !res.Success {
		if errors.Is(res.Err, authsession.ErrNoSession) {
			http.Redirect(w, r, l.Link("/login"), http.StatusSeeOther)
			return
		}
		a.render(w, r, http.StatusBadRequest, "dashboard", pageData{Error: l.T("name_bad")})
		return
	}
	a.flash(w, r, "name_updated")
	http.Redirect(w, r, l.Link("/dashboard"), http.StatusSeeOther)
}

// extend is the "extend session" button without JavaScript; the page
// script uses the browser client's refresh instead.
func (a *app) extend(w http.ResponseWriter, r *http.Request) {
	l := localeOf(r)
	if res := a.auth.Actions.Refresh(w, r); !res.Success {
		http.Redirect(w, r, l.Link("/login"), http.StatusSeeOther)
		return
	}
	a.flash(w, r, "extended")
	http.Redirect(w, r, l.Link("/dashboard"), http.StatusSeeOther)
}
