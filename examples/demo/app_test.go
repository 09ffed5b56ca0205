package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const testSecret = "demo-test-secret-0123456789abcdefghij"

func newTestServer(t *testing.T, o options) *httptest.Server {
	t.Helper()
	if o.Secret == "" {
		o.Secret = testSecret
	}
	o.Logger = slog.New(slog.DiscardHandler)
	app, err := newApp(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client with its own cookie jar. It does not follow
// redirects: tests look at each response.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body(t, resp)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body(t, resp)
}

// signIn posts the login form and checks the redirect to the dashboard.
func signIn(t *testing.T, c *http.Client, base, name, role string) {
	t.Helper()
	resp, _ := post(t, c, base+"/login", url.Values{"name": {name}, "role": {role}})
	if got, want := resp.StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("sign-in as %q: got status %d, want %d", name, got, want)
	}
	if got, want := resp.Header.Get("Location"), "/dashboard"; got != want {
		t.Fatalf("sign-in as %q: got Location %q, want %q", name, got, want)
	}
}

// crossSitePost posts a form as a browser does from a page of another
// site, and reads the response.
func crossSitePost(t *testing.T, c *http.Client, u, form string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	return resp
}

func sessionCookie(t *testing.T, c *http.Client, base string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "session" {
			return ck
		}
	}
	return nil
}

func TestDemoGuard(t *testing.T) {
	srv := newTestServer(t, options{})
	anon := newClient(t)
	user := newClient(t)
	signIn(t, user, srv.URL, "Uma", "user")
	admin := newClient(t)
	signIn(t, admin, srv.URL, "Ada", "admin")

	tests := []struct {
		name     string
		client   *http.Client
		path     string
		status   int
		location string // for redirects
		contains string
	}{
		{"anonymous home", anon, "/", http.StatusOK, "", "Sign in to start"},
		{"anonymous login", anon, "/login", http.StatusOK, "", `id="login-form"`},
		{"anonymous dashboard", anon, "/dashboard", http.StatusTemporaryRedirect, "/login?callbackUrl=%2Fdashboard", ""},
		{"anonymous session page", anon, "/dashboard/session", http.StatusTemporaryRedirect, "/login?callbackUrl=%2Fdashboard%2Fsession", ""},
		{"anonymous admin", anon, "/admin", http.StatusTemporaryRedirect, "/login?callbackUrl=%2Fadmin", ""},
		{"anonymous Arabic dashboard", anon, "/ar/dashboard", http.StatusTemporaryRedirect, "/ar/login?callbackUrl=%2Far%2Fdashboard", ""},
		{"anonymous unknown page", anon, "/nope", http.StatusTemporaryRedirect, "/login?callbackUrl=%2Fnope", ""}, // deny by default
		{"anonymous unknown locale", anon, "/fr/dashboard", http.StatusTemporaryRedirect, "/login?callbackUrl=%2Ffr%2Fdashboard", ""},
		{"user unknown page", user, "/nope", http.StatusNotFound, "", "Not found"},
		{"user dashboard", user, "/dashboard", http.StatusOK, "", `id="countdown"`},
		{"user login page", user, "/login", http.StatusTemporaryRedirect, "/", ""},
		{"user admin", user, "/admin", http.StatusForbidden, "", `id="forbidden"`},
		{"user admin subpage", user, "/admin/users", http.StatusForbidden, "", `id="forbidden"`},
		{"user Arabic admin", user, "/ar/admin", http.StatusForbidden, "", "غير مسموح"},
		{"admin admin", admin, "/admin", http.StatusOK, "", `id="admin-config"`},
		{"admin English admin", admin, "/en/admin", http.StatusOK, "", `id="admin-config"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, page := get(t, tt.client, srv.URL+tt.path)
			if got := resp.StatusCode; got != tt.status {
				t.Fatalf("got status %d, want %d", got, tt.status)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("got Location %q, want %q", got, tt.location)
			}
			if !strings.Contains(page, tt.contains) {
				t.Errorf("page lacks %q:\n%s", tt.contains, page)
			}
		})
	}
}

func TestDemoLocales(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)
	signIn(t, c, srv.URL, "Layla", "user")
	tests := []struct {
		path, lang, dir, text, link string
	}{
		{"/", "en", "ltr", "Sign out", `href="/dashboard"`},
		{"/en/dashboard", "en", "ltr", "Session expires in", `href="/en/dashboard/session"`},
		{"/ar", "ar", "rtl", "تسجيل الخروج", `href="/ar/dashboard"`},
		{"/ar/dashboard", "ar", "rtl", "تنتهي الجلسة خلال", `href="/ar/dashboard/session"`},
		{"/ar/dashboard/session", "ar", "rtl", "تفاصيل الجلسة", `action="/ar/logout"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, page := get(t, c, srv.URL+tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			for _, want := range []string{`lang="` + tt.lang + `"`, `dir="` + tt.dir + `"`, tt.text, tt.link} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if tt.lang == "ar" {
				for _, href := range regexp.MustCompile(`<nav>.*?</nav>`).FindAllString(strings.ReplaceAll(page, "\n", " "), -1) {
					if strings.Contains(href, `href="/dashboard`) {
						t.Errorf("an Arabic link lost the locale prefix: %s", href)
					}
				}
			}
		})
	}
	t.Run("Arabic sign-in stays Arabic", func(t *testing.T) {
		c := newClient(t)
		resp, _ := post(t, c, srv.URL+"/ar/login", url.Values{"name": {"Omar"}, "role": {"user"}})
		if got, want := resp.Header.Get("Location"), "/ar/dashboard"; got != want {
			t.Errorf("got Location %q, want %q", got, want)
		}
	})
	t.Run("not a locale", func(t *testing.T) {
		if resp, _ := get(t, c, srv.URL+"/arabic"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("got status %d, want 404", resp.StatusCode)
		}
	})
}

func TestDemoCrossOriginFormPostRefused(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)
	signIn(t, c, srv.URL, "Bob", "user")
	resp := crossSitePost(t, c, srv.URL+"/dashboard/name", "name=Mallory")
	if got, want := resp.StatusCode, http.StatusForbidden; got != want {
		t.Errorf("got status %d, want %d", got, want)
	}
	if _, page := get(t, c, srv.URL+"/dashboard"); strings.Contains(page, "Mallory") {
		t.Error("the cross-origin post changed the name")
	}
}

func TestDemoPageCarriesClientAndNoTokens(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)
	signIn(t, c, srv.URL, "Ann", "user")
	_, page := get(t, c, srv.URL+"/dashboard")
	for _, want := range []string{
		`<script type="module">`,
		`import { createSessionClient } from "\/api\/session\/client.js?v=`,
		`<script type="application/json" id="authsession-initial">{"session":{"user":{"id":"u_ann","name":"Ann","role":"user"}`,
		`"refreshThreshold":300,"sessionExpiry":1800}`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for _, bad := range []string{"accessToken", "refreshToken", sessionCookie(t, c, srv.URL).Value} {
		if strings.Contains(page, bad) {
			t.Errorf("dashboard contains %q", bad)
		}
	}
	// The module it imports is served.
	src := regexp.MustCompile(`from "(\\/api\\/session\\/client\.js\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if src == nil {
		t.Fatal("no client import")
	}
	resp, js := get(t, c, srv.URL+strings.ReplaceAll(src[1], `\/`, `/`))
	if resp.StatusCode != http.StatusOK || !strings.Contains(js, "createSessionClient") {
		t.Errorf("client.js: got status %d", resp.StatusCode)
	}
}

func TestDemoSessionAPIUpdate(t *testing.T) {
	srv := newTestServer(t, options{})
	tests := []struct {
		name   string
		body   string
		status int
		user   string // the user object afterwards
	}{
		{"name", `{"user":{"name":"Bo"}}`, http.StatusOK, `{"id":"u_ann","name":"Bo","role":"user"}`},
		{"empty name", `{"user":{"name":""}}`, http.StatusBadRequest, `{"id":"u_ann","name":"Ann","role":"user"}`},
		{"role escalation", `{"user":{"role":"admin"}}`, http.StatusForbidden, `{"id":"u_ann","name":"Ann","role":"user"}`},
		{"id", `{"user":{"id":"u_admin"}}`, http.StatusForbidden, `{"id":"u_ann","name":"Ann","role":"user"}`},
		{"not JSON", `name=Bo`, http.StatusBadRequest, `{"id":"u_ann","name":"Ann","role":"user"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t)
			signIn(t, c, srv.URL, "Ann", "user")
			req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/api/session", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body(t, resp)
			if got := resp.StatusCode; got != tt.status {
				t.Errorf("got status %d, want %d", got, tt.status)
			}
			_, got := get(t, c, srv.URL+"/api/session")
			if !strings.Contains(got, `"user":`+tt.user) {
				t.Errorf("got %s, want user %s", got, tt.user)
			}
		})
	}
}

// The load test's unguarded mirror serves the same pages without the
// guard, and only when asked for.
func TestDemoUnguardedPrefix(t *testing.T) {
	for _, tt := range []struct {
		prefix   string
		path     string
		wantCode int
	}{
		{"", "/_u/dashboard", http.StatusTemporaryRedirect}, // the guard (deny by default), not the mirror
		{"/_u", "/_u/dashboard", http.StatusSeeOther},       // the handler's own check, not the guard's 307
		{"/_u", "/dashboard", http.StatusTemporaryRedirect},
	} {
		srv := newTestServer(t, options{UnguardedPrefix: tt.prefix})
		resp, err := newClient(t).Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wantCode {
			t.Errorf("prefix %q, GET %s: got %d, want %d", tt.prefix, tt.path, resp.StatusCode, tt.wantCode)
		}
	}
}
