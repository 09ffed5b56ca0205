package authecho_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/authsession/authsession"
	authecho "github.com/authsession/authsession/adapters/echo"
)

// newApp is a complete echo application: a sign-in form, sign-out, a
// dashboard, an admin area and static assets, deny by default.
func newApp() (http.Handler, error) {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:           "example-secret-at-least-32-bytes-long!!",
		Cookie:           authsession.CookieConfig{Insecure: true}, // plain HTTP in this example
		DefaultRouteType: authsession.RouteAuth,
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Hybrid("/"),
			authsession.Hybrid("/assets/*"),
		},
	})
	if err != nil {
		return nil, err
	}
	g, err := authecho.New(auth)
	if err != nil {
		return nil, err
	}
	isAdmin := func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }

	e := echo.New()
	if err := g.Mount(e); err != nil {
		return nil, err
	}
	e.Use(echo.WrapMiddleware(http.NewCrossOriginProtection().Handler)) // refuse cross-site form posts
	e.GET("/", func(c *echo.Context) error { return c.String(http.StatusOK, "home") })
	e.GET("/assets/*", func(c *echo.Context) error { return c.String(http.StatusOK, "asset /"+c.Param("*")) })
	e.GET("/login", func(c *echo.Context) error {
		return c.HTML(http.StatusOK, `<form method="post"><input name="name"><button>Sign in</button></form>`)
	})
	e.POST("/login", func(c *echo.Context) error {
		name := c.FormValue("name") // check real credentials here
		user := authsession.User{ID: "u_" + name, Name: name, Extra: map[string]any{"role": c.FormValue("role")}}
		if _, err := auth.CreateSession(c.Response(), c.Request(), user); err != nil {
			return c.String(http.StatusInternalServerError, "sign-in failed")
		}
		return c.Redirect(http.StatusSeeOther, "/dashboard")
	})
	e.POST("/logout", func(c *echo.Context) error {
		_ = auth.DeleteSession(c.Response(), c.Request())
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.GET("/dashboard", func(c *echo.Context) error {
		s, _ := authecho.Session[authsession.User](c)
		return c.String(http.StatusOK, "hello "+s.User.Name)
	})
	admin := e.Group("/admin", g.Require(isAdmin))
	admin.GET("", func(c *echo.Context) error { return c.String(http.StatusOK, "admin area") })
	return e, nil
}

// Example drives the application as a browser would.
func Example() {
	app, err := newApp()
	if err != nil {
		fmt.Println(err)
		return
	}
	cookie := ""
	visit := func(method, target, form string) {
		r := httptest.NewRequest(method, target, strings.NewReader(form))
		r.Header.Set("Accept", "text/html")
		if form != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		for _, c := range w.Result().Cookies() {
			cookie = c.Name + "=" + c.Value
			if c.MaxAge < 0 {
				cookie = ""
			}
		}
		fmt.Printf("%s %s: %d %s%s\n", method, target, w.Code, w.Header().Get("Location"), firstLine(w.Body.String()))
	}
	visit("GET", "/dashboard", "")
	visit("GET", "/assets/app.js", "")
	visit("POST", "/login", url.Values{"name": {"Ann"}, "role": {"user"}}.Encode())
	visit("GET", "/dashboard", "")
	visit("GET", "/admin", "")
	visit("GET", "/api/session", "")
	visit("POST", "/logout", "")
	visit("GET", "/dashboard", "")
	// Output:
	// GET /dashboard: 307 /login?callbackUrl=%2Fdashboard
	// GET /assets/app.js: 200 asset /app.js
	// POST /login: 303 /dashboard
	// GET /dashboard: 200 hello Ann
	// GET /admin: 403 <!doctype html>
	// GET /api/session: 200 {"session":{"user":{"id":"u_Ann","name":"Ann","role":"user"}…
	// POST /logout: 303 /
	// GET /dashboard: 307 /login?callbackUrl=%2Fdashboard
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, `"expiresAt"`); i >= 0 {
		s = s[:i-1] + "…"
	}
	return strings.TrimSpace(s)
}
