package authsession_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// Deny by default: a page that no rule names needs a session, and static
// assets need a rule of their own. A page load without a session is sent
// to the login page; a script, style or fetch() gets a JSON 401 instead
// of the login page's HTML.
func ExampleAuthSession_Middleware() {
	auth := exampleAuth(func(c *authsession.Config[authsession.User]) {
		c.DefaultRouteType = authsession.RouteAuth
		c.Routes = []authsession.Rule{
			authsession.Public("/login"),
			authsession.Hybrid("/"),
			authsession.Hybrid("/assets/*"),
		}
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "served") })
	h := auth.Middleware(mux)

	get := func(path, dest string) {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept", "text/html")
		r.Header.Set("Sec-Fetch-Dest", dest)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(path, " ", dest, ": ", w.Code, " ", w.Header().Get("Location"), strings.TrimSpace(w.Body.String()))))
	}
	get("/dashboard", "document")
	get("/dashboard", "script")
	get("/assets/app.js", "script")
	// Output:
	// /dashboard document: 307 /login?callbackUrl=%2Fdashboard
	// /dashboard script: 401 {"error":{"code":"unauthenticated","message":"You must be signed in."}}
	// /assets/app.js script: 200 served
}

// With a store, a user's sessions can be listed ("your devices") and
// ended on the server: one of them, or all ("log out everywhere").
func ExampleAuthSession_ListUserSessions() {
	auth := exampleAuth(func(c *authsession.Config[authsession.User]) {
		c.Store = memstore.New(memstore.Options{})
	})
	signIn := func(client string) {
		r := httptest.NewRequest("POST", "/login", nil)
		r.Header.Set("User-Agent", client)
		if _, err := auth.CreateSession(httptest.NewRecorder(), r, authsession.User{ID: "u_1", Name: "Ann"}); err != nil {
			panic(err)
		}
	}
	signIn("Firefox on a laptop")
	signIn("Safari on a phone")
	signIn("Chromium on a tablet")

	ctx := context.Background()
	devices, err := auth.ListUserSessions(ctx, "u_1")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(devices), "devices")
	if err := auth.RevokeSession(ctx, "u_1", devices[0].ID); err != nil {
		panic(err)
	}
	devices, _ = auth.ListUserSessions(ctx, "u_1")
	fmt.Println(len(devices), "devices after signing one out")
	n, err := auth.RevokeUserSessions(ctx, "u_1")
	fmt.Println("logged out everywhere:", n, "sessions ended", err)
	// Output:
	// 3 devices
	// 2 devices after signing one out
	// logged out everywhere: 2 sessions ended <nil>
}

// Server storage keeps the session in the store and only its sealed id in
// the cookie, and gives visitors who have not signed in a session at
// their first write: next-session's visit counter.
func ExampleStorage() {
	auth := exampleAuth(func(c *authsession.Config[authsession.User]) {
		c.Storage = authsession.StorageServer
		c.Store = memstore.New(memstore.Options{})
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /visits", func(w http.ResponseWriter, r *http.Request) {
		views, _ := authsession.Get[int](auth.SessionData(r), "views")
		views++
		if err := auth.SetData(w, r, "views", views); err != nil {
			http.Error(w, "the session could not be changed", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "In this session, you have visited this website %d time(s).", views)
	})
	srv := httptest.NewServer(auth.Middleware(mux))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for range 3 {
		resp, err := client.Get(srv.URL + "/visits")
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// In this session, you have visited this website 1 time(s).
	// In this session, you have visited this website 2 time(s).
	// In this session, you have visited this website 3 time(s).
}

// UpdateSession changes the signed-in session (here the display name)
// and re-issues the cookie; nothing changes when the callback returns an
// error.
func ExampleAuthSession_UpdateSession() {
	auth := exampleAuth(nil)
	w := httptest.NewRecorder()
	if _, err := auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1", Name: "Ann"}); err != nil {
		panic(err)
	}
	s, err := auth.UpdateSession(httptest.NewRecorder(), carrying(w), func(s *authsession.Session[authsession.User]) error {
		s.User.Name = "Ann Lee"
		return nil
	})
	fmt.Println(s.User.Name, err)
	_, err = auth.UpdateSession(httptest.NewRecorder(), carrying(w), func(s *authsession.Session[authsession.User]) error {
		return fmt.Errorf("the name is taken")
	})
	fmt.Println(err)
	// Output:
	// Ann Lee <nil>
	// authsession: invalid update: the update callback: the name is taken
}
