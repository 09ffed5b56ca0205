package authgin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/authsession/authsession"
	authgin "github.com/authsession/authsession/adapters/gin"
)

// newApp is a complete gin application: a sign-in form, sign-out, a
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
	g, err := authgin.New(auth)
	if err != nil {
		return nil, err
	}
	isAdmin := func(s authsession.Session[authsession.User]) bool { return s.User.ExtraString("role") == "admin" }

	r := gin.New()
	if err := g.Mount(r); err != nil { // before the routes
		return nil, err
	}
	csrf := http.NewCrossOriginProtection()
	r.Use(func(c *gin.Context) { // refuse cross-site form posts
		if err := csrf.Check(c.Request); err != nil {
			c.AbortWithStatus(http.StatusForbidden)
		}
	})
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "home") })
	r.GET("/assets/*file", func(c *gin.Context) { c.String(http.StatusOK, "asset %s", c.Param("file")) })
	r.GET("/login", func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html", []byte(`<form method="post"><input name="name"><button>Sign in</button></form>`))
	})
	r.POST("/login", func(c *gin.Context) {
		name := c.PostForm("name") // check real credentials here
		user := authsession.User{ID: "u_" + name, Name: name, Extra: map[string]any{"role": c.PostForm("role")}}
		if _, err := auth.CreateSession(c.Writer, c.Request, user); err != nil {
			c.String(http.StatusInternalServerError, "sign-in failed")
			return
		}
		c.Redirect(http.StatusSeeOther, "/dashboard")
	})
	r.POST("/logout", func(c *gin.Context) {
		_ = auth.DeleteSession(c.Writer, c.Request)
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/dashboard", func(c *gin.Context) {
		s, _ := authgin.Session[authsession.User](c)
		c.String(http.StatusOK, "hello %s", s.User.Name)
	})
	admin := r.Group("/admin", g.Require(isAdmin))
	admin.GET("", func(c *gin.Context) { c.String(http.StatusOK, "admin area") })
	return r, nil
}

// Example drives the application as a browser would.
func Example() {
	gin.SetMode(gin.ReleaseMode)
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
		fmt.Printf("%s %s: %d %s%s\n", method, target, w.Code, w.Header().Get("Location"), strings.TrimSpace(firstLine(w.Body.String())))
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
	return s
}
