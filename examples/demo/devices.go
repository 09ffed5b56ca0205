package main

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/authsession/authsession"
)

// The session page: the user's devices (the store's records), signing one
// out, and logging out everywhere.

func (a *app) sessionPage(w http.ResponseWriter, r *http.Request) {
	s, ok := a.session(w, r)
	if !ok {
		return
	}
	d := pageData{}
	if a.auth.Config.Store != nil {
		recs, err := a.auth.ListUserSessions(r.Context(), s.User.ID)
		if err != nil {
			a.log.Warn("demo: listing sessions failed", "error", err)
		}
		for _, rec := range recs {
			d.Devices = append(d.Devices, device{
				Client:    displayClient(rec.Client),
				CreatedAt: rec.CreatedAt,
				LastSeen:  rec.LastSeen,
				Current:   rec.ID == s.ID,
				ID:        rec.ID,
			})
		}
		slices.SortStableFunc(d.Devices, func(x, y device) int { return y.LastSeen.Compare(x.LastSeen) })
	}
	a.render(w, r, http.StatusOK, "session", d)
}

// displayClient shortens a User-Agent for the device list.
func displayClient(ua string) string {
	if ua == "" {
		return "unknown client"
	}
	if utf8.RuneCountInString(ua) > 80 {
		return string([]rune(ua)[:80]) + "…"
	}
	return ua
}

// revokeDevice signs one of the user's other devices out.
func (a *app) revokeDevice(w http.ResponseWriter, r *http.Request) {
	s, ok := a.session(w, r)
	if !ok {
		return
	}
	l := localeOf(r)
	id := r.PostFormValue("id")
	if a.auth.Config.Store == nil || id == "" || len(id) > 256 {
		http.Redirect(w, r, l.Link("/dashboard/session"), http.StatusSeeOther)
		return
	}
	if err := a.auth.RevokeSession(r.Context(), s.User.ID, id); err != nil && !errors.Is(err, authsession.ErrNoSession) {
		a.log.Warn("demo: revoking a session failed", "error", err)
	}
	if id == s.ID {
		a.auth.Actions.Logout(w, r)
		http.Redirect(w, r, l.Link("/login")+"?reason=signedout", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, l.Link("/dashboard/session"), http.StatusSeeOther)
}

// logoutEverywhere ends every session of the user, this one included.
func (a *app) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	s, ok := a.session(w, r)
	if !ok {
		return
	}
	if a.auth.Config.Store != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if _, err := a.auth.RevokeUserSessions(ctx, s.User.ID); err != nil {
			a.log.Warn("demo: log out everywhere failed", "error", err)
		}
	}
	a.auth.Actions.Logout(w, r)
	http.Redirect(w, r, localeOf(r).Link("/login")+"?reason=signedout", http.StatusSeeOther)
}
