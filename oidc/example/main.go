// Command example is a small application that signs users in with an
// OpenID provider through the oidc package: a home page with a "Sign in
// with OpenID Connect" link, a dashboard that only signed-in users reach
// (the provider's name and email for the user, and the access token's
// remaining lifetime, refreshed as it nears its end), and sign-out through
// the provider. The browser tests in ../e2e drive it against zitadel's
// example provider.
//
// Environment: ADDR (default 127.0.0.1:8080), SESSION_SECRET (32 bytes or
// more), OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
// OIDC_REDIRECT_URL (default: the request's origin + /auth/callback),
// OIDC_REFRESH_MARGIN (a Go duration; default one minute) and
// COOKIE_INSECURE=1 for plain-HTTP hosts other than localhost.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/oidc"
)

func main() {
	h, err := newApp(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	log.Printf("listening on http://%s", addr)
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// newApp builds the application from the environment.
func newApp(getenv func(string) string) (http.Handler, error) {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:           authsession.Secret(getenv("SESSION_SECRET")),
		Cookie:           authsession.CookieConfig{Insecure: getenv("COOKIE_INSECURE") == "1"},
		DefaultRouteType: authsession.RouteAuth,
		LoginPath:        "/",
		Routes: []authsession.Rule{
			authsession.Hybrid("/"),
			authsession.Hybrid("/auth/*"),
		},
	})
	if err != nil {
		return nil, err
	}
	var margin time.Duration
	if m := getenv("OIDC_REFRESH_MARGIN"); m != "" {
		if margin, err = time.ParseDuration(m); err != nil {
			return nil, errors.New("OIDC_REFRESH_MARGIN: " + err.Error())
		}
	}
	rp, err := oidc.New(auth, oidc.Config[authsession.User]{
		Providers: []oidc.Provider{{
			Name:         "oidc",
			Issuer:       getenv("OIDC_ISSUER"),
			ClientID:     getenv("OIDC_CLIENT_ID"),
			ClientSecret: authsession.Secret(getenv("OIDC_CLIENT_SECRET")),
			RedirectURL:  getenv("OIDC_REDIRECT_URL"),
		}},
		RefreshMargin: margin,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", rp)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s, ok := auth.GetSession(r)
		back := r.URL.Query().Get("callbackUrl") // where the guard sent the visitor from; checked by the sign-in
		if back == "" {
			back = "/dashboard"
		}
		render(w, http.StatusOK, page{Signed: ok, User: s.User, SignIn: rp.SignInPath("oidc", back), SignOut: rp.SignOutPath()})
	})
	mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		s, _ := auth.GetSession(r) // the guard let only sessions through
		p := page{Signed: true, User: s.User, SignOut: rp.SignOutPath(), Dashboard: true}
		tok, err := rp.Token(w, r)
		switch {
		case errors.Is(err, oidc.ErrSessionEnded), errors.Is(err, oidc.ErrNoSession):
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		case err != nil:
			p.TokenError = "The access token could not be renewed right now."
		default:
			sum := sha256.Sum256([]byte(tok.AccessToken))
			p.Fingerprint = hex.EncodeToString(sum[:4])
			p.Remaining = time.Until(tok.Expiry).Round(time.Second)
		}
		render(w, http.StatusOK, p)
	})
	return auth.Middleware(mux), nil
}

// page is what the template shows.
type page struct {
	Signed, Dashboard bool
	User              authsession.User
	SignIn, SignOut   string
	Fingerprint       string        // of the access token, never the token
	Remaining         time.Duration // the access token's remaining lifetime
	TokenError        string
}

var tmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenID Connect example</title></head>
<body>
{{if .Signed}}
  <p id="who">Signed in as <b id="name">{{.User.Name}}</b> (<span id="email">{{.User.Email}}</span>).</p>
  {{if .Dashboard}}
    {{if .TokenError}}<p id="token-error">{{.TokenError}}</p>{{else}}
    <p>Access token <code id="token">{{.Fingerprint}}</code>, valid for <span id="remaining">{{.Remaining}}</span>.</p>{{end}}
  {{else}}<p><a id="dashboard" href="/dashboard">Dashboard</a></p>{{end}}
  <form id="signout" method="post" action="{{.SignOut}}"><button type="submit">Sign out</button></form>
{{else}}
  <p id="anonymous">You are not signed in.</p>
  <p><a id="signin" href="{{.SignIn}}">Sign in with OpenID Connect</a></p>
{{end}}
</body></html>
`))

func render(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	tmpl.Execute(w, p)
}
