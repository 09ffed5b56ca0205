package main

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/authsession/authsession"
)

// The demo's use of session data, flash values and events: a note kept in
// the session's data, the banners of the next page as flash values, and
// an audit line in the log for every sign-in, sign-out and revocation.

const (
	// maxNoteLen bounds the dashboard's note, kept in the session's data
	// (the encrypted cookie): a page's worth, well under the cookie budget.
	maxNoteLen = 200
	// noteKey is the note's key in the session's data; noticeKey the
	// flash key of the banner the next page shows (a translation key).
	noteKey   = "note"
	noticeKey = "notice"
)

// notice reads the flash values (once: the cookie is re-issued without
// them) and returns the banner's text in the page's language. Flash
// values hold translation keys, never text from the request.
func (a *app) notice(w http.ResponseWriter, r *http.Request) string {
	f, err := a.auth.Flashes(w, r)
	if err != nil {
		a.log.Warn("demo: reading flash values failed", "error", err)
	}
	key, ok := authsession.Get[string](f, noticeKey)
	if !ok || !flashNotices[key] {
		return ""
	}
	return localeOf(r).T(key)
}

// flashNotices are the banners a flash value may name.
var flashNotices = map[string]bool{"name_updated": true, "extended": true, "note_saved": true, "note_cleared": true}

// flash sets the banner of the next page; the page still works when it
// cannot be kept.
func (a *app) flash(w http.ResponseWriter, r *http.Request, key string) {
	if err := a.auth.Flash(w, r, noticeKey, key); err != nil {
		a.log.Warn("demo: flash failed", "error", err)
	}
}

// saveNote keeps a short note in the session's data (the encrypted
// cookie), or removes it when the field is empty.
func (a *app) saveNote(w http.ResponseWriter, r *http.Request) {
	s, ok := a.session(w, r)
	if !ok {
		return
	}
	l := localeOf(r)
	note := strings.TrimSpace(r.PostFormValue("note"))
	var err error
	switch {
	case utf8.RuneCountInString(note) > maxNoteLen || !utf8.ValidString(note):
		d := pageData{Error: l.T("note_bad")}
		d.Note, _ = authsession.Get[string](s.Data, noteKey)
		a.render(w, r, http.StatusBadRequest, "dashboard", d)
		return
	case note == "":
		err = a.auth.DeleteData(w, r, noteKey)
	default:
		err = a.auth.SetData(w, r, noteKey, note)
	}
	if err != nil {
		a.log.Warn("demo: saving the note failed", "error", err)
		http.Error(w, "could not save the note", http.StatusInternalServerError)
		return
	}
	if note == "" {
		a.flash(w, r, "note_cleared")
	} else {
		a.flash(w, r, "note_saved")
	}
	http.Redirect(w, r, l.Link("/dashboard"), http.StatusSeeOther)
}

// events logs sign-ins, sign-outs and revocations: an audit log. The
// hooks run in the request; a failing one would be logged by the library
// and never break the request.
func (a *app) events() authsession.Events[user] {
	return authsession.Events[user]{
		SignIn: func(ctx context.Context, s authsession.Session[user]) error {
			a.log.InfoContext(ctx, "demo: signed in", "user", s.User.ID, "remembered", !s.Transient)
			return nil
		},
		SignOut: func(ctx context.Context, s authsession.Session[user]) error {
			a.log.InfoContext(ctx, "demo: signed out", "user", s.User.ID)
			return nil
		},
		Revoke: func(ctx context.Context, userID, _ string) error {
			a.log.InfoContext(ctx, "demo: a device was signed out", "user", userID)
			return nil
		},
		RevokeAll: func(ctx context.Context, userID string, n int) error {
			a.log.InfoContext(ctx, "demo: logged out everywhere", "user", userID, "sessions", n)
			return nil
		},
	}
}
