package authsession_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/authsession/authsession"
)

// Mount the session API on a ServeMux and use it like the browser client
// does: read, update, refresh and end the session.
func ExampleAuthSession_Handlers() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:          "an-example-secret-of-at-least-32-bytes",
		Cookie:          authsession.CookieConfig{Insecure: true}, // plain-HTTP test server
		UpdatableFields: []string{"name"},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		auth.CreateSession(w, r, authsession.User{ID: "u_1", Name: "Ann"})
	})
	mux.Handle("/api/session/", auth.Handlers)
	mux.Handle("/api/session", auth.Handlers)
	srv := httptest.NewServer(auth.Middleware(mux))
	defer srv.Close()

	client := srv.Client()
	client.Jar, _ = cookiejar.New(nil)
	call := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		fmt.Println(strings.TrimSpace(fmt.Sprint(method, " ", path, " ", res.StatusCode, " ", apiSummary(b))))
	}

	call("GET", "/api/session", "")
	call("POST", "/login", "")
	call("GET", "/api/session", "")
	call("PATCH", "/api/session", `{"user":{"name":"Bo"}}`)
	call("PATCH", "/api/session", `{"user":{"id":"u_2"}}`)
	call("POST", "/api/session", "")
	call("DELETE", "/api/session", "")
	call("GET", "/api/session", "")
	// Output:
	// GET /api/session 200 session=null
	// POST /login 200
	// GET /api/session 200 user=u_1 name=Ann
	// PATCH /api/session 200 user=u_1 name=Bo
	// PATCH /api/session 403 error=field_not_allowed
	// POST /api/session 200 user=u_1 name=Bo
	// DELETE /api/session 200 session=null
	// GET /api/session 200 session=null
}

// summary prints the fields of an API response that don't change from run
// to run (never the times, never a token).
func apiSummary(body []byte) string {
	var b struct {
		Session *struct {
			User map[string]any `json:"user"`
		} `json:"session"`
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if len(body) == 0 || json.Unmarshal(body, &b) != nil {
		return ""
	}
	switch {
	case b.Error != nil:
		return "error=" + b.Error.Code
	case b.Session == nil:
		return "session=null"
	}
	return fmt.Sprintf("user=%v name=%v", b.Session.User["id"], b.Session.User["name"])
}

// Use Actions in a plain form handler: the same rules as PATCH
// /api/session, with a result to render.
func ExampleAuthSession_Actions() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:          "an-example-secret-of-at-least-32-bytes",
		UpdatableFields: []string{"name"},
	})
	if err != nil {
		panic(err)
	}
	// POST /settings/name, a form that changes the display name.
	changeName := func(w http.ResponseWriter, r *http.Request) {
		res := auth.Actions.Update(w, r, map[string]any{"name": r.PostFormValue("name")})
		if !res.Success {
			http.Error(w, res.Message(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "Your name is now %s.", res.Session.User.Name)
	}

	post := func(form url.Values, cookies []*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/settings/name", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		changeName(rec, req)
		return rec
	}

	rec := post(url.Values{"name": {"Bo"}}, nil)
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))

	signIn := httptest.NewRecorder()
	auth.CreateSession(signIn, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1", Name: "Ann"})
	rec = post(url.Values{"name": {"Bo"}}, signIn.Result().Cookies())
	fmt.Println(rec.Code, rec.Body.String())

	out := httptest.NewRecorder()
	res := auth.Actions.Logout(out, httptest.NewRequest("POST", "/logout", nil))
	fmt.Println("logged out:", res.Success)
	// Output:
	// 400 You are not signed in.
	// 200 Your name is now Bo.
	// logged out: true
}
