package main

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/authsession/authsession"
)

// The pages: what every template sees, rendering, and the pages that only
// show something (home, admin, 403, 404).

//go:embed templates/*.html
var templateFS embed.FS

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
	Name        string    // the login form's name, kept on errors
	Remember    bool      // the login form's remember-me box, kept on errors
	SignInLimit string    // the login page's sentence about the sign-in limit
	OIDCSignIn  string    // the login page's "Sign in with OpenID Connect" link
	OIDC        *oidcView // the dashboard's OpenID Connect card
	Note        string    // the session's note (session data)
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
		pub := s.Redacted(false) // never a token in the page
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

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "home", pageData{})
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
