package main

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

// Demo session lifetimes: short enough that the dashboard's countdown and
// the sliding refresh are visible.
const (
	demoExpiry           = 30 * time.Minute
	demoRefreshThreshold = 5 * time.Minute
	maxNameLen           = 64
	// maxNoteLen bounds the dashboard's note, kept in the session's data
	// (the encrypted cookie): a page's worth, well under the cookie budget.
	maxNoteLen = 200
	// noteKey is the note's key in the session's data; noticeKey the
	// flash key of the banner the next page shows (a translation key).
	noteKey   = "note"
	noticeKey = "notice"
)

//go:embed templates/*.html
var templateFS embed.FS

type options struct {
	Secret string
	Logger *slog.Logger
	// Secure sets the cookie's Secure attribute. The demo serves plain
	// HTTP, so it is off unless COOKIE_SECURE=1.
	Secure bool
	// Store records sessions so that they can be listed and revoked; nil
	// keeps sessions stateless.
	Store authsession.Store
	// StoreName describes Store on the admin page ("memory", "redis").
	StoreName string
	// UnguardedPrefix, for the load test only (scripts/loadtest), serves
	// the same pages again under this prefix without the guard, so the
	// guard's cost can be measured against the same handlers.
	UnguardedPrefix string
}

type user = authsession.User

type app struct {
	auth      *authsession.AuthSession[user]
	pages     map[string]*template.Template
	clientJS  string
	storeName string
	log       *slog.Logger
}

// newApp returns the demo's handler: the guard in front of the session API
// and the pages.
func newApp(o options) (http.Handler, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &app{storeName: o.StoreName, log: o.Logger}
	if a.storeName == "" {
		a.storeName = "none (stateless)"
	}
	auth, err := authsession.NextAuthSession(authsession.Config[user]{
		Secret:           authsession.Secret(o.Secret),
		Expiry:           demoExpiry,
		RefreshThreshold: demoRefreshThreshold,
		Cookie:           authsession.CookieConfig{Insecure: !o.Secure},
		Logger:           o.Logger,
		// Deny by default: a page added to the router but not to Routes
		// needs a session; the pages anyone may see are named.
		DefaultRouteType: authsession.RouteAuth,
		Routes: []authsession.Rule{
			authsession.Public("/login"),  // only without a session
			authsession.Hybrid("/"),       // the home page, for everyone
			authsession.Hybrid("/logout"), // signing out works without a session too
			authsession.Auth(patterns.Dashboard),
			authsession.AuthWhere(patterns.Admin, isAdmin), // other users get the 403 page
		},
		ForbiddenHandler: http.HandlerFunc(a.forbidden),
		Locales:          demoLocales,
		// The default allowlist is name and image; validateUpdate checks
		// names only, so only the name may change here.
		UpdatableFields: []string{"name"},
		ValidateUpdate:  validateUpdate,
		Store:           o.Store,
		Events:          a.events(),
	})
	if err != nil {
		return nil, err
	}
	a.auth = auth
	a.clientJS = authsession.ClientScriptPath(auth.ClientConfig.BasePath)
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}

	pages := http.NewServeMux()
	pages.HandleFunc("GET /{$}", a.home)
	pages.HandleFunc("GET /login", a.loginForm)
	pages.HandleFunc("POST /login", a.login)
	pages.HandleFunc("POST /logout", a.logout)
	pages.HandleFunc("GET /dashboard", a.dashboard)
	pages.HandleFunc("POST /dashboard/name", a.updateName)
	pages.HandleFunc("POST /dashboard/extend", a.extend)
	pages.HandleFunc("POST /dashboard/note", a.saveNote)
	pages.HandleFunc("GET /dashboard/session", a.sessionPage)
	pages.HandleFunc("POST /dashboard/devices/revoke", a.revokeDevice)
	pages.HandleFunc("POST /dashboard/logout-everywhere", a.logoutEverywhere)
	// The admin check on the handler as well: it holds whatever the rules say.
	pages.Handle("GET /admin", auth.Require(isAdmin)(http.HandlerFunc(a.admin)))
	pages.HandleFunc("/", a.notFound)

	// Form posts are refused from other origins; the session API does its
	// own check.
	csrf := http.NewCrossOriginProtection()
	root := http.NewServeMux()
	root.Handle(auth.Config.APIPath, auth.Handlers)
	root.Handle(auth.Config.APIPath+"/", auth.Handlers)
	root.Handle("/", csrf.Handler(localized(pages)))
	guarded := auth.Middleware(root)
	if o.UnguardedPrefix == "" {
		return guarded, nil
	}
	outer := http.NewServeMux()
	outer.Handle(o.UnguardedPrefix+"/", http.StripPrefix(o.UnguardedPrefix, root))
	outer.Handle("/", guarded)
	return outer, nil
}

// isAdmin is the admin area's check: the AuthWhere rule (a signed-in
// visitor without the admin role gets the 403 page; visitors without a
// session the login redirect) and auth.Require on the handler.
func isAdmin(s authsession.Session[user]) bool { return s.User.ExtraString("role") == "admin" }

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

// pageTitles are the translation keys of the pages' titles.
var pageTitles = map[string]string{
	"home":      "home",
	"login":     "sign_in",
	"dashboard": "dashboard",
	"session":   "session",
	"admin":     "admin_title",
	"forbidden": "forbidden_title",
	"notfound":  "not_found_title",
}

// pageData is what every template sees.
type pageData struct {
	locale
	Page     string // template name, for the navigation
	Path     string // the path without locale prefix, for the language links
	Title    string
	Session  *authsession.Session[user]
	Role     string
	IsAdmin  bool
	Error    string
	Notice   string
	ClientJS string
	APIPath  string
	// Initial is the GET /api/session body, rendered into the page so the
	// browser client needs no request on load. It never holds a token.
	Initial     any
	Strings     map[string]string // for the page script
	Now         time.Time
	Name        string // the login form's name, kept on errors
	Remember    bool   // the login form's remember-me box, kept on errors
	Note        string // the session's note (session data)
	CallbackURL string
	Devices     []device
	HasStore    bool
	StoreName   string
	Config      configView
}

type device struct {
	Client    string
	CreatedAt time.Time
	LastSeen  time.Time
	Current   bool
	ID        string
}

type configView struct {
	Expiry, RefreshThreshold time.Duration
	Locales                  []string
}

// In returns the current page's address in another language.
func (d pageData) In(lang string) string {
	if d.Path == "/" || d.Path == "" {
		return "/" + lang
	}
	return "/" + lang + d.Path
}

// initialEnvelope is the GET /api/session body.
type initialEnvelope struct {
	Session          *authsession.Session[user] `json:"session"`
	RefreshThreshold int64                      `json:"refreshThreshold"`
	SessionExpiry    int64                      `json:"sessionExpiry"`
}

func (a *app) render(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	d.locale = localeOf(r)
	d.Page = page
	_, d.Path = splitLocale(r.URL.Path)
	if d.Title == "" {
		d.Title = d.T(pageTitles[page])
	}
	d.Now = time.Now()
	d.APIPath = a.auth.Config.APIPath
	d.ClientJS = a.clientJS
	d.HasStore = a.auth.Config.Store != nil
	d.StoreName = a.storeName
	if s, ok := a.auth.GetSession(r); ok {
		pub := s.Public(false) // never a token in the page
		d.Session = &pub
		d.Role = d.T("role_" + s.User.ExtraString("role"))
		d.IsAdmin = isAdmin(s)
		d.Initial = initialEnvelope{&pub, a.auth.ClientConfig.RefreshThreshold, a.auth.ClientConfig.SessionExpiry}
		d.Strings = map[string]string{
			"extended":     d.T("extended"),
			"extendFailed": d.T("extend_failed"),
		}
	}
	t, ok := a.pages[page]
	if !ok {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Cookie")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout", d); err != nil {
		a.log.Warn("demo: rendering a page failed", "page", page, "error", err)
	}
}

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

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "home", pageData{})
}

func (a *app) loginForm(w http.ResponseWriter, r *http.Request) {
	d := pageData{CallbackURL: localCallback(r.URL.Query().Get("callbackUrl"))}
	// Signed-out banners cannot be flash values: the session that would
	// carry them has ended (and another tab's page script redirects here
	// without asking the server). The query names one fixed banner and
	// never carries text.
	if r.URL.Query().Get("reason") == "signedout" {
		d.Notice = localeOf(r).T("signed_out_notice")
	}
	a.render(w, r, http.StatusOK, "login", d)
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
		a.render(w, r, http.StatusBadRequest, "login", pageData{Error: l.T("login_bad"), Name: name, Remember: remember, CallbackURL: callback})
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
	if err := a.auth.RevokeUserSession(r.Context(), s.User.ID, id); err != nil && !errors.Is(err, authsession.ErrNoSession) {
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

func (a *app) admin(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "admin", pageData{Config: configView{
		Expiry:           a.auth.Config.Expiry,
		RefreshThreshold: a.auth.Config.RefreshThreshold,
		Locales:          a.auth.Config.Locales,
	}})
}

// forbidden is the 403 page for signed-in visitors without the admin role
// (Config.ForbiddenHandler). The guard runs it before the locale router,
// auth.Require after it; localeOf reads the locale either way.
func (a *app) forbidden(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusForbidden, "forbidden", pageData{})
}

func (a *app) notFound(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusNotFound, "notfound", pageData{})
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

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"utc": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"ms":  func(t time.Time) int64 { return t.UnixMilli() },
		"remaining": func(until, now time.Time) string {
			return formatRemaining(until.Sub(now))
		},
	}
	pages := map[string]*template.Template{}
	for name := range pageTitles {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// formatRemaining formats d as the page script does: "29:59", "1:02:03".
func formatRemaining(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	if h := s / 3600; h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
