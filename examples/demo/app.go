package main

import (
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/authsession/authsession"
)

type options struct {
	Secret string
	Logger *slog.Logger
	// Secure sets the cookie's Secure attribute. The demo serves plain
	// HTTP, so it is off unless COOKIE_SECURE=1.
	Secure bool
}

type app struct {
	auth *authsession.AuthSession[authsession.User]
	tmpl *template.Template
}

func newApp(o options) (http.Handler, error) {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: authsession.Secret(o.Secret),
		Cookie: authsession.CookieConfig{Insecure: !o.Secure && os.Getenv("COOKIE_SECURE") != "1"},
		Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	a := &app{auth: auth, tmpl: template.Must(template.New("page").Parse(pageHTML))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.loginForm)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /session", a.sessionPage)
	mux.Handle("/api/session/", auth.Handlers)
	mux.Handle("/api/session", auth.Handlers)
	return auth.Middleware(mux), nil
}

type pageData struct {
	Title   string
	Session *authsession.Session[authsession.User]
	Role    string
	Error   string
}

func (a *app) render(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	if s, ok := a.auth.GetSession(r); ok {
		d.Session = &s
		d.Role = s.User.String("role")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	a.tmpl.Execute(w, d)
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, pageData{Title: "Home"})
}

func (a *app) loginForm(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, pageData{Title: "Sign in"})
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := r.PostFormValue("role")
	if name == "" || len(name) > 64 || (role != "admin" && role != "user") {
		a.render(w, r, http.StatusBadRequest, pageData{Title: "Sign in", Error: "Enter a name (up to 64 characters) and pick a role."})
		return
	}
	user := authsession.User{ID: userID(name), Name: name, Extra: map[string]any{"role": role}}
	if _, err := a.auth.CreateSession(w, r, user); err != nil {
		http.Error(w, "could not sign in", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/session", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	a.auth.DeleteSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) sessionPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, pageData{Title: "Your session"})
}

// userID makes a stable id from the display name.
func userID(name string) string {
	var b strings.Builder
	b.WriteString("u_")
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

const pageHTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Title}} · authsession demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
nav a{margin-right:1rem} form{margin:1rem 0} label{display:block;margin:.5rem 0}
.error{color:#b00} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
</style></head>
<body>
<nav><a href="/">Home</a><a href="/session">Session</a>{{if not .Session}}<a href="/login">Sign in</a>{{end}}</nav>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
{{if .Session}}
<p>Signed in as <strong>{{.Session.User.Name}}</strong> ({{.Role}}).</p>
<table>
<tr><th>User id</th><td>{{.Session.User.ID}}</td></tr>
<tr><th>Created</th><td>{{.Session.CreatedAt.UTC.Format "2006-01-02 15:04:05 UTC"}}</td></tr>
<tr><th>Expires</th><td>{{.Session.ExpiresAt.UTC.Format "2006-01-02 15:04:05 UTC"}}</td></tr>
</table>
<form method="post" action="/logout"><button>Sign out</button></form>
{{else}}
<form method="post" action="/login">
<label>Name <input name="name" required maxlength="64"></label>
<label>Role <select name="role"><option value="user">user</option><option value="admin">admin</option></select></label>
<button>Sign in</button>
</form>
{{end}}
</body></html>`
