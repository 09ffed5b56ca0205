package main

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
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

func TestDemoSignInShowSignOut(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)

	resp, err := c.PostForm(srv.URL+"/login", url.Values{"name": {"Ann <b>"}, "role": {"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	body(t, resp)
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "session" {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.Secure || sc.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: got %+v, want HttpOnly, not Secure (plain HTTP), SameSite=Lax", sc)
	}

	for _, path := range []string{"/dashboard", "/dashboard/session", "/"} {
		resp, page := get(t, c, srv.URL+path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Ann &lt;b&gt;") || strings.Contains(page, "Ann <b>") {
			t.Errorf("GET %s: got status %d, want 200 and the escaped name:\n%s", path, resp.StatusCode, page)
		}
		if strings.Contains(page, sc.Value) {
			t.Errorf("GET %s: the page contains the session token", path)
		}
	}

	resp, _ = post(t, c, srv.URL+"/logout", nil)
	if got, want := resp.Header.Get("Location"), "/"; resp.StatusCode != http.StatusSeeOther || got != want {
		t.Errorf("logout: got %d %q, want 303 %q", resp.StatusCode, got, want)
	}
	if _, page := get(t, c, srv.URL+"/"); strings.Contains(page, "Signed in as") {
		t.Error("still signed in after logout")
	}
	if resp, _ := get(t, c, srv.URL+"/dashboard"); resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("dashboard after logout: got status %d, want 307", resp.StatusCode)
	}
}

func TestDemoRejectsBadLogin(t *testing.T) {
	srv := newTestServer(t, options{})
	tests := []struct {
		name string
		form url.Values
	}{
		{"empty name", url.Values{"name": {""}, "role": {"user"}}},
		{"blank name", url.Values{"name": {"   "}, "role": {"user"}}},
		{"unknown role", url.Values{"name": {"Bob"}, "role": {"root"}}},
		{"no role", url.Values{"name": {"Bob"}}},
		{"long name", url.Values{"name": {strings.Repeat("x", 65)}, "role": {"user"}}},
		{"huge name", url.Values{"name": {strings.Repeat("é", 100_000)}, "role": {"user"}}},
		{"control characters", url.Values{"name": {"Bob\x00\r\nSet-Cookie: x=y"}, "role": {"user"}}},
		{"invalid UTF-8", url.Values{"name": {"Bob\xff"}, "role": {"user"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t)
			resp, page := post(t, c, srv.URL+"/login", tt.form)
			if got, want := resp.StatusCode, http.StatusBadRequest; got != want {
				t.Errorf("got status %d, want %d", got, want)
			}
			if !strings.Contains(page, `class="error"`) {
				t.Error("the page shows no error")
			}
			if sessionCookie(t, c, srv.URL) != nil {
				t.Error("a session cookie was set")
			}
		})
	}
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

func TestDemoCallbackURL(t *testing.T) {
	srv := newTestServer(t, options{})
	tests := []struct {
		callback, want string
	}{
		{"/dashboard/session", "/dashboard/session"},
		{"/ar/dashboard", "/ar/dashboard"},
		{"", "/dashboard"},
		{"//evil.example/x", "/dashboard"},
		{"https://evil.example/", "/dashboard"},
		{`/\evil.example`, "/dashboard"},
		{"javascript:alert(1)", "/dashboard"},
	}
	for _, tt := range tests {
		t.Run(tt.callback, func(t *testing.T) {
			c := newClient(t)
			_, page := get(t, c, srv.URL+"/login?callbackUrl="+url.QueryEscape(tt.callback))
			carried := strings.Contains(page, `name="callbackUrl"`)
			if safe := tt.callback == tt.want; carried != safe || safe && !strings.Contains(page, `value="`+tt.callback+`"`) {
				t.Errorf("login form carries callback: got %v, want %v", carried, safe)
			}
			body := url.Values{"name": {"Cal"}, "role": {"user"}, "callbackUrl": {tt.callback}}
			resp, _ := post(t, c, srv.URL+"/login", body)
			if got := resp.Header.Get("Location"); got != tt.want {
				t.Errorf("got Location %q, want %q", got, tt.want)
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

func TestDemoUpdateName(t *testing.T) {
	srv := newTestServer(t, options{})
	tests := []struct {
		name, newName string
		status        int
		shown         string
	}{
		{"plain", "Robert", http.StatusSeeOther, "Robert"},
		{"escaped", "<script>x</script>", http.StatusSeeOther, "&lt;script&gt;x&lt;/script&gt;"},
		{"trimmed", "  Bo  ", http.StatusSeeOther, "Bo"},
		{"empty", "", http.StatusBadRequest, "Bob"},
		{"too long", strings.Repeat("n", 65), http.StatusBadRequest, "Bob"},
		{"control character", "Bo\x07b", http.StatusBadRequest, "Bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t)
			signIn(t, c, srv.URL, "Bob", "user")
			resp, _ := post(t, c, srv.URL+"/dashboard/name", url.Values{"name": {tt.newName}})
			if got := resp.StatusCode; got != tt.status {
				t.Fatalf("got status %d, want %d", got, tt.status)
			}
			_, page := get(t, c, srv.URL+"/dashboard")
			if want := `id="user-name"><bdi>` + tt.shown + `</bdi><`; !strings.Contains(page, want) {
				t.Errorf("dashboard lacks %q", want)
			}
			// The id never changes with the name.
			if _, sp := get(t, c, srv.URL+"/dashboard/session"); !strings.Contains(sp, `<code dir="ltr">u_bob</code>`) {
				t.Errorf("the user id changed:\n%s", sp)
			}
		})
	}
	t.Run("without a session", func(t *testing.T) {
		resp, _ := post(t, newClient(t), srv.URL+"/dashboard/name", url.Values{"name": {"X"}})
		if got := resp.Header.Get("Location"); !strings.HasPrefix(got, "/login") {
			t.Errorf("got Location %q, want the login page", got)
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

func TestDemoExtendWithoutJavaScript(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)
	signIn(t, c, srv.URL, "Eli", "user")
	resp, _ := post(t, c, srv.URL+"/dashboard/extend", nil)
	if got, want := resp.Header.Get("Location"), "/dashboard"; got != want {
		t.Errorf("got Location %q, want %q", got, want)
	}
	// The banner is a flash value: shown once.
	if _, page := get(t, c, srv.URL+"/dashboard"); !strings.Contains(page, `<p class="notice" role="status">Session extended.</p>`) {
		t.Errorf("dashboard after extending: no banner")
	}
	if _, page := get(t, c, srv.URL+"/dashboard"); strings.Contains(page, `class="notice"`) {
		t.Errorf("dashboard reloaded: the banner is shown again")
	}
	if resp, _ := post(t, newClient(t), srv.URL+"/dashboard/extend", nil); resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusSeeOther {
		t.Errorf("extend without a session: got status %d, want a redirect", resp.StatusCode)
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

func TestDemoMemoryStore(t *testing.T) {
	testStoreFlow(t, authsession.NewMemoryStore(authsession.MemoryStoreOptions{}), "")
}

func TestDemoRedisStore(t *testing.T) {
	addr := os.Getenv("AUTHSESSION_REDIS_ADDR")
	if addr == "" {
		testenv.Missing(t, "a Redis server", "set AUTHSESSION_REDIS_ADDR=host:port")
	}
	store, closeStore, err := newRedisStore("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore() })
	// The server may be shared: names unique to this run.
	testStoreFlow(t, store, rand.Text()[:8])
}

func TestNewRedisStoreErrors(t *testing.T) {
	tests := []struct{ name, url string }{
		{"not a URL", "::"},
		{"wrong scheme", "http://127.0.0.1:6379"},
		{"nothing listening", "redis://127.0.0.1:1/0"},
		{"password not leaked", "redis://:hunter2-secret@127.0.0.1:1/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, closeStore, err := newRedisStore(tt.url)
			defer closeStore()
			if err == nil {
				t.Fatal("got no error")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error contains the password: %v", err)
			}
		})
	}
}

// testStoreFlow signs one user in on two devices, lists them, revokes one,
// checks that another user cannot revoke them, and logs out everywhere.
func testStoreFlow(t *testing.T, store authsession.Store, suffix string) {
	srv := newTestServer(t, options{Store: store, StoreName: "test"})
	eve, mallory := "Eve"+suffix, "Mallory"+suffix
	phone, laptop := newClient(t), newClient(t)
	signIn(t, phone, srv.URL, eve, "user")
	signIn(t, laptop, srv.URL, eve, "user")

	_, page := get(t, laptop, srv.URL+"/dashboard/session")
	if got, want := strings.Count(page, `<tr class="device">`), 2; got != want {
		t.Fatalf("got %d devices, want %d:\n%s", got, want, page)
	}
	if got, want := strings.Count(page, "this device"), 1; got != want {
		t.Errorf("got %d current devices, want %d", got, want)
	}

	// Sign the phone out from the laptop.
	revokeID := regexp.MustCompile(`name="id" value="([^"]+)"`)
	id := revokeID.FindStringSubmatch(page)
	if id == nil {
		t.Fatal("no revoke form for the other device")
	}
	post(t, laptop, srv.URL+"/dashboard/devices/revoke", url.Values{"id": {id[1]}})
	if resp, _ := get(t, phone, srv.URL+"/dashboard"); resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("phone after revoke: got status %d, want 307", resp.StatusCode)
	}
	if resp, _ := get(t, laptop, srv.URL+"/dashboard"); resp.StatusCode != http.StatusOK {
		t.Errorf("laptop after revoking the phone: got status %d, want 200", resp.StatusCode)
	}

	// Another user cannot revoke Eve's sessions, nor with a bogus id.
	mc := newClient(t)
	signIn(t, mc, srv.URL, mallory, "user")
	signIn(t, phone, srv.URL, eve, "user")
	_, page = get(t, laptop, srv.URL+"/dashboard/session")
	other := revokeID.FindStringSubmatch(page)
	if other == nil {
		t.Fatal("no revoke form for the phone's new session")
	}
	for _, bogus := range []string{other[1], "", strings.Repeat("x", 10_000), "../../etc"} {
		post(t, mc, srv.URL+"/dashboard/devices/revoke", url.Values{"id": {bogus}})
	}
	if resp, _ := get(t, phone, srv.URL+"/dashboard"); resp.StatusCode != http.StatusOK {
		t.Errorf("another user revoked Eve's phone: got status %d, want 200", resp.StatusCode)
	}

	// Log out everywhere.
	resp, _ := post(t, laptop, srv.URL+"/dashboard/logout-everywhere", nil)
	if got, want := resp.Header.Get("Location"), "/login?reason=signedout"; got != want {
		t.Errorf("got Location %q, want %q", got, want)
	}
	for name, c := range map[string]*http.Client{"phone": phone, "laptop": laptop} {
		if resp, _ := get(t, c, srv.URL+"/dashboard"); resp.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("%s after log out everywhere: got status %d, want 307", name, resp.StatusCode)
		}
	}
	if resp, _ := get(t, mc, srv.URL+"/dashboard"); resp.StatusCode != http.StatusOK {
		t.Errorf("another user was logged out: got status %d", resp.StatusCode)
	}
}

func TestDemoStatelessHasNoDevices(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)
	signIn(t, c, srv.URL, "Sam", "user")
	_, page := get(t, c, srv.URL+"/dashboard/session")
	if strings.Contains(page, `class="device"`) || !strings.Contains(page, "SESSION_STORE=memory") {
		t.Errorf("stateless session page: want no devices and a note:\n%s", page)
	}
}

func TestLoadOptions(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name      string
		env       map[string]string
		store     string
		secure    bool
		err       error // nil: success; errAny: some error
		keepValue bool
	}{
		{"defaults", map[string]string{}, "", false, nil, false},
		{"secret and secure", map[string]string{"SESSION_SECRET": testSecret, "COOKIE_SECURE": "1"}, "", true, nil, true},
		{"memory", map[string]string{"SESSION_STORE": "memory"}, "memory", false, nil, false},
		{"stateless", map[string]string{"SESSION_STORE": "stateless"}, "", false, nil, false},
		{"unknown store", map[string]string{"SESSION_STORE": "postgres"}, "", false, errBadStore, false},
		{"bad redis URL", map[string]string{"REDIS_URL": "http://nope"}, "", false, errAny, false},
		{"redis and memory", map[string]string{"REDIS_URL": "redis://127.0.0.1:1", "SESSION_STORE": "memory"}, "", false, errAny, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, closeStore, err := loadOptions(func(k string) string { return tt.env[k] }, log)
			defer closeStore()
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.err == errAny && err == nil, tt.err != nil && tt.err != errAny && !errors.Is(err, tt.err):
				t.Fatalf("got error %v, want %v", err, tt.err)
			case tt.err != nil:
				return
			}
			if got := o.StoreName; got != tt.store {
				t.Errorf("got store %q, want %q", got, tt.store)
			}
			if (o.Store != nil) != (tt.store != "") {
				t.Errorf("got Store %v for %q", o.Store, tt.store)
			}
			if got := o.Secure; got != tt.secure {
				t.Errorf("got Secure %v, want %v", got, tt.secure)
			}
			if len(o.Secret) < authsession.MinSecretBytes {
				t.Errorf("got a %d-byte secret, want at least %d", len(o.Secret), authsession.MinSecretBytes)
			}
			if tt.keepValue && o.Secret != tt.env["SESSION_SECRET"] {
				t.Error("SESSION_SECRET was not used")
			}
		})
	}
}

var errAny = errors.New("any error")

func TestSplitLocale(t *testing.T) {
	tests := []struct{ in, lang, prefix, rest string }{
		{"/", "en", "", "/"},
		{"/dashboard", "en", "", "/dashboard"},
		{"/en", "en", "/en", "/"},
		{"/ar", "ar", "/ar", "/"},
		{"/ar/", "ar", "/ar", "/"},
		{"/ar/dashboard/x", "ar", "/ar", "/dashboard/x"},
		{"/arabic", "en", "", "/arabic"},
		{"/AR/dashboard", "en", "", "/AR/dashboard"},
		{"", "en", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l, rest := splitLocale(tt.in)
			if l.Lang != tt.lang || l.Prefix != tt.prefix || rest != tt.rest {
				t.Errorf("got %q %q %q, want %q %q %q", l.Lang, l.Prefix, rest, tt.lang, tt.prefix, tt.rest)
			}
		})
	}
}

func TestFormatRemaining(t *testing.T) {
	tests := []struct {
		secs int
		want string
	}{{-5, "00:00"}, {0, "00:00"}, {59, "00:59"}, {1799, "29:59"}, {3600, "1:00:00"}, {3723, "1:02:03"}}
	for _, tt := range tests {
		if got := formatRemaining(time.Duration(tt.secs) * time.Second); got != tt.want {
			t.Errorf("formatRemaining(%ds): got %q, want %q", tt.secs, got, tt.want)
		}
	}
}

func TestUserID(t *testing.T) {
	tests := []struct{ name, want string }{{"Ann", "u_ann"}, {"A n-n!", "u_ann"}, {"Eve 2", "u_eve2"}}
	for _, tt := range tests {
		if got := userID(tt.name); got != tt.want {
			t.Errorf("userID(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
	if a, b := userID("ليلى"), userID("عمر"); a == b || len(a) <= 2 {
		t.Errorf("non-Latin names: got %q and %q, want distinct ids", a, b)
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
