package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testSecret = "react-spa-test-secret-0123456789abcdefghij"

const testIndex = `<!doctype html><html><head><!--authsession-initial--></head><body><div id="root"></div></body></html>`

// newTestServer serves a stand-in build: index.html and one asset.
func newTestServer(t *testing.T) http.Handler {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"index.html": testIndex, "assets/app-1234.js": "console.log(1)"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := newServer(options{Secret: testSecret, StaticDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type request struct {
	method, path, body, contentType string
	cookies                         []*http.Cookie
	header                          map[string]string
}

func do(h http.Handler, q request) *httptest.ResponseRecorder {
	r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.body))
	if q.contentType != "" {
		r.Header.Set("Content-Type", q.contentType)
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	for _, c := range q.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// signIn posts a name and returns the session cookie.
func signIn(t *testing.T, h http.Handler, name string) []*http.Cookie {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name})
	w := do(h, request{method: "POST", path: "/auth/login", body: string(body), contentType: "application/json",
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if w.Code != http.StatusOK {
		t.Fatalf("sign-in: got %d %s, want 200", w.Code, w.Body)
	}
	cookies := w.Result().Cookies()
	if len(cookies) == 0 {
		t.Fatal("sign-in set no cookie")
	}
	return cookies
}

// initialSession extracts the JSON the page carries for the client.
func initialSession(t *testing.T, page string) map[string]any {
	t.Helper()
	const open = `<script type="application/json" id="authsession-initial">`
	_, rest, ok := strings.Cut(page, open)
	js, _, ok2 := strings.Cut(rest, "</script>")
	if !ok || !ok2 {
		t.Fatalf("no initial session element in %q", page)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("initial session: %v in %q", err, js)
	}
	return v
}

func TestNewServerNeedsTheBuiltApp(t *testing.T) {
	empty := t.TempDir()
	noMarker := t.TempDir()
	os.WriteFile(filepath.Join(noMarker, "index.html"), []byte("<html></html>"), 0o644)
	for name, dir := range map[string]string{"missing": empty, "no marker": noMarker} {
		if _, err := newServer(options{Secret: testSecret, StaticDir: dir}); !errors.Is(err, errNoApp) {
			t.Errorf("%s: got %v, want errNoApp", name, err)
		}
	}
}

func TestSignInThenPagesCarryTheSession(t *testing.T) {
	h := newTestServer(t)
	w := do(h, request{method: "GET", path: "/"})
	if got, want := w.Code, http.StatusOK; got != want {
		t.Fatalf("GET /: got %d, want %d", got, want)
	}
	if got := initialSession(t, w.Body.String())["session"]; got != nil {
		t.Errorf("signed out: got session %v, want null", got)
	}
	if got, want := w.Header().Get("Cache-Control"), "no-store"; got != want {
		t.Errorf("Cache-Control: got %q, want %q", got, want)
	}

	cookies := signIn(t, h, "Ann")
	w = do(h, request{method: "GET", path: "/dashboard", cookies: cookies})
	if got, want := w.Code, http.StatusOK; got != want {
		t.Fatalf("GET /dashboard: got %d, want %d", got, want)
	}
	init := initialSession(t, w.Body.String())
	sess, _ := init["session"].(map[string]any)
	u, _ := sess["user"].(map[string]any)
	if got, want := u["name"], "Ann"; got != want {
		t.Errorf("user name: got %v, want %v", got, want)
	}
	if _, ok := sess["refreshToken"]; ok {
		t.Error("the page carries a refresh token")
	}
	if got, want := init["sessionExpiry"], float64(sessionExpiry.Seconds()); got != want {
		t.Errorf("sessionExpiry: got %v, want %v", got, want)
	}
	// A signed-in visitor is sent away from the sign-in page.
	w = do(h, request{method: "GET", path: "/login", cookies: cookies})
	if got, want := w.Header().Get("Location"), "/dashboard"; got != want {
		t.Errorf("GET /login signed in: Location got %q, want %q", got, want)
	}
}

func TestGuardSendsVisitorsToLogin(t *testing.T) {
	h := newTestServer(t)
	w := do(h, request{method: "GET", path: "/dashboard/settings"})
	if got, want := w.Header().Get("Location"), "/login?callbackUrl=%2Fdashboard%2Fsettings"; got != want {
		t.Errorf("Location: got %q, want %q (status %d)", got, want, w.Code)
	}
	// The client-side protected page is Hybrid on the server.
	if w := do(h, request{method: "GET", path: "/account"}); w.Code != http.StatusOK {
		t.Errorf("GET /account: got %d, want 200", w.Code)
	}
}

func TestNameCannotBreakOutOfThePage(t *testing.T) {
	h := newTestServer(t)
	name := `</script><script>alert(1)</script>`
	w := do(h, request{method: "GET", path: "/", cookies: signIn(t, h, name)})
	page := w.Body.String()
	if strings.Contains(page, "<script>alert") {
		t.Fatalf("the name closed the element: %s", page)
	}
	sess, _ := initialSession(t, page)["session"].(map[string]any)
	if got := sess["user"].(map[string]any)["name"]; got != name {
		t.Errorf("name: got %v, want %v", got, name)
	}
}

func TestSignInRefusesBadRequests(t *testing.T) {
	h := newTestServer(t)
	same := map[string]string{"Sec-Fetch-Site": "same-origin"}
	long := strings.Repeat("n", maxNameLen+1)
	for _, tc := range []struct {
		name, body, contentType string
		header                  map[string]string
		want                    int
	}{
		{"cross-site", `{"name":"Mallory"}`, "application/json", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"other origin", `{"name":"Mallory"}`, "application/json", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": ""}, http.StatusForbidden},
		{"form post", `name=Ann`, "application/x-www-form-urlencoded", same, http.StatusUnsupportedMediaType},
		{"not JSON", `name`, "application/json", same, http.StatusBadRequest},
		{"unknown field", `{"name":"Ann","role":"admin"}`, "application/json", same, http.StatusBadRequest},
		{"trailing data", `{"name":"Ann"}{}`, "application/json", same, http.StatusBadRequest},
		{"too large", `{"name":"` + strings.Repeat("a", maxLoginBody) + `"}`, "application/json", same, http.StatusBadRequest},
		{"empty name", `{"name":"  "}`, "application/json", same, http.StatusBadRequest},
		{"control character", `{"name":"Ann\u0007"}`, "application/json", same, http.StatusBadRequest},
		{"too long", `{"name":"` + long + `"}`, "application/json", same, http.StatusBadRequest},
		{"not a string", `{"name":7}`, "application/json", same, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, request{method: "POST", path: "/auth/login", body: tc.body, contentType: tc.contentType, header: tc.header})
			if got := w.Code; got != tc.want {
				t.Errorf("status: got %d, want %d (%s)", got, tc.want, w.Body)
			}
			if c := w.Result().Cookies(); len(c) != 0 {
				t.Errorf("a refused sign-in set cookies %v", c)
			}
		})
	}
	if w := do(h, request{method: "GET", path: "/auth/login?name=Ann"}); len(w.Result().Cookies()) != 0 {
		t.Error("GET /auth/login set a cookie")
	}
	if w := do(h, request{method: "PUT", path: "/dashboard"}); w.Code != http.StatusMethodNotAllowed && w.Code != http.StatusSeeOther {
		t.Errorf("PUT /dashboard: got %d, want 405 (or the guard's redirect)", w.Code)
	}
}

func TestRenameThroughTheSessionAPI(t *testing.T) {
	h := newTestServer(t)
	cookies := signIn(t, h, "Ann")
	same := map[string]string{"Sec-Fetch-Site": "same-origin"}
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"name", `{"user":{"name":"Bea"}}`, http.StatusOK},
		{"id is not updatable", `{"user":{"id":"u_admin"}}`, http.StatusForbidden},
		{"other fields are not updatable", `{"user":{"email":"a@b.c"}}`, http.StatusForbidden},
		{"empty name", `{"user":{"name":""}}`, http.StatusBadRequest},
		{"name with a newline", `{"user":{"name":"a\nb"}}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(h, request{method: "PATCH", path: "/api/session", body: tc.body, contentType: "application/json", cookies: cookies, header: same})
			if got := w.Code; got != tc.want {
				t.Errorf("status: got %d, want %d (%s)", got, tc.want, w.Body)
			}
		})
	}
	w := do(h, request{method: "PATCH", path: "/api/session", body: `{"user":{"name":"Cy"}}`, contentType: "application/json",
		cookies: cookies, header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	if got, want := w.Code, http.StatusForbidden; got != want {
		t.Errorf("cross-site PATCH: got %d, want %d", got, want)
	}
}

func TestSignOut(t *testing.T) {
	h := newTestServer(t)
	for _, q := range []request{
		{method: "POST", path: "/auth/logout"},
		{method: "DELETE", path: "/api/session"},
	} {
		q.cookies = signIn(t, h, "Ann")
		q.header = map[string]string{"Sec-Fetch-Site": "same-origin"}
		w := do(h, q)
		if got, want := w.Code, http.StatusOK; got != want {
			t.Fatalf("%s %s: got %d, want %d", q.method, q.path, got, want)
		}
		var cleared bool
		for _, c := range w.Result().Cookies() {
			cleared = cleared || (c.Name == "session" && c.MaxAge < 0)
		}
		if !cleared {
			t.Errorf("%s %s: the session cookie was not cleared: %v", q.method, q.path, w.Result().Cookies())
		}
	}
	w := do(h, request{method: "POST", path: "/auth/logout", header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	if got, want := w.Code, http.StatusForbidden; got != want {
		t.Errorf("cross-site sign-out: got %d, want %d", got, want)
	}
}

func TestAssets(t *testing.T) {
	h := newTestServer(t)
	w := do(h, request{method: "GET", path: "/assets/app-1234.js"})
	if got, want := w.Code, http.StatusOK; got != want {
		t.Fatalf("asset: got %d, want %d", got, want)
	}
	if got, want := w.Header().Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
		t.Errorf("Cache-Control: got %q, want %q", got, want)
	}
	for _, p := range []string{"/assets/missing.js", "/assets/", "/assets/../index.html", "/assets/%2e%2e/index.html", "/favicon.ico", "/index.html", "/x/../../etc/passwd.txt"} {
		if w := do(h, request{method: "GET", path: p}); w.Code == http.StatusOK {
			t.Errorf("GET %s: got 200, want an error", p)
		}
	}
}
