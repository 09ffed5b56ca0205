package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/authsession/authsession"
)

// Signing in and out: the login form, the sign-in itself and the user
// name rules it shares with the name form.

// maxNameLen bounds a user's display name, in characters.
const maxNameLen = 64

func (a *app) loginForm(w http.ResponseWriter, r *http.Request) {
	d := pageData{CallbackURL: localCallback(r.URL.Query().Get("callbackUrl"))}
	// Signed-out banners cannot be flash values: the session that would
	// carry them has ended (and another tab's page script redirects here
	// without asking the server). The query names one fixed banner and
	// never carries text.
	if r.URL.Query().Get("reason") == "signedout" {
		d.Notice = localeOf(r).T("signed_out_notice")
	}
	a.renderLogin(w, r, http.StatusOK, d)
}

// renderLogin renders the login page, with the sentence about the sign-in
// limit.
func (a *app) renderLogin(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	d.SignInLimit = a.signInLimitNote(localeOf(r))
	a.render(w, r, status, "login", d)
}

// localCallback returns p when it is safe to redirect to, else "".
func localCallback(p string) string {
	if p == "" || !authsession.IsLocalPath(p) {
		return ""
	}
	return p
}

// login signs the user in: a new session, which replaces the one the
// browser had, if any (the guard lets a signed-in user's POST through to
// this handler: switching accounts). Without the remember box the cookie
// is a browser-session cookie.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	l := localeOf(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := r.PostFormValue("role")
	remember := r.PostFormValue("remember") != ""
	callback := localCallback(r.PostFormValue("callbackUrl"))
	if !validName(name) || (role != "admin" && role != "user") {
		if len(name) > 4*maxNameLen {
			name = ""
		}
		a.renderLogin(w, r, http.StatusBadRequest, pageData{Error: l.T("login_bad"), Name: name, Remember: remember, CallbackURL: callback})
		return
	}
	u := user{ID: userID(name), Name: name, Extra: map[string]any{"role": role}}
	if _, err := a.auth.CreateSession(w, r, u, authsession.WithRememberMe(remember)); err != nil {
		a.log.Warn("demo: sign-in failed", "error", err)
		status := http.StatusInternalServerError
		if errors.Is(err, authsession.ErrStore) { // the store is down or full: try again later
			status = http.StatusServiceUnavailable
		}
		http.Error(w, "could not sign in", status)
		return
	}
	if callback == "" {
		callback = l.Link("/dashboard")
	}
	http.Redirect(w, r, callback, http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	a.auth.Actions.Logout(w, r)
	http.Redirect(w, r, localeOf(r).Link("/"), http.StatusSeeOther)
}

// userID makes a stable id from the display name, so that signing in with
// the same name in two browsers gives the same user (and "log out
// everywhere" ends both).
func userID(name string) string {
	var b strings.Builder
	b.WriteString("u_")
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 2 {
		sum := sha256.Sum256([]byte(strings.ToLower(name)))
		b.WriteString(hex.EncodeToString(sum[:6]))
	}
	return b.String()
}

// validateUpdate is the Config.ValidateUpdate hook for the name form and
// PATCH /api/session.
func validateUpdate(_, updated user) error {
	if !validName(updated.Name) {
		return errBadName
	}
	return nil
}

var errBadName = errors.New("demo: the name must be 1 to 64 characters")

func validName(name string) bool {
	n := utf8.RuneCountInString(name)
	return n > 0 && n <= maxNameLen && strings.TrimSpace(name) == name && utf8.ValidString(name) &&
		!strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
