package authsession_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestAdversarialCallbackURL: a signed-in visitor of the public /login is
// sent to callbackUrl only when it is a path on this site; every hostile
// value sends them home instead ("/", or "/ar" under the ar locale).
func TestAdversarialCallbackURL(t *testing.T) {
	cb := func(name, query, wantLocation string) hostileRequest {
		return hostileRequest{name: name, target: "/login?" + query, role: "user",
			wantStatus: http.StatusTemporaryRedirect, wantLocation: wantLocation}
	}
	hostile := func(name, query string) hostileRequest { return cb(name, query, "/") }
	rows := []hostileRequest{
		cb("local path (control)", "callbackUrl=%2Fdashboard%3Ftab%3D1", "/dashboard?tab=1"),
		cb("local path, raw (control)", "callbackUrl=/dashboard/x", "/dashboard/x"),
		cb("login path itself", "callbackUrl=%2Flogin", "/login"),
		cb("space in path stays local", "callbackUrl=%2F%20%2Fevil.example", "/%20/evil.example"),
		cb("no callbackUrl", "next=//evil.example", "/"),
		hostile("protocol-relative", "callbackUrl=//evil.example"),
		hostile("protocol-relative, encoded", "callbackUrl=%2F%2Fevil.example"),
		hostile("triple slash", "callbackUrl=///evil.example"),
		hostile("backslash", `callbackUrl=/\evil.example`),
		hostile("backslash, encoded", "callbackUrl=%2F%5Cevil.example"),
		hostile("two backslashes", `callbackUrl=\\evil.example`),
		hostile("absolute URL", "callbackUrl=https://evil.example"),
		hostile("absolute URL, encoded", "callbackUrl=https%3A%2F%2Fevil.example%2Fx"),
		hostile("scheme without slashes", "callbackUrl=https:evil.example"),
		hostile("scheme-relative with userinfo", "callbackUrl=//example.test@evil.example"),
		hostile("double-encoded slashes", "callbackUrl=%2F%252F%252Fevil.example"),
		hostile("triple-encoded slashes", "callbackUrl=%2F%25252F%25252Fevil.example"),
		hostile("double-encoded backslash", "callbackUrl=%2F%255Cevil.example"),
		hostile("javascript:", "callbackUrl=javascript:alert(1)"),
		hostile("javascript: after a slash", "callbackUrl=%2Fjavascript:alert(1)%2F%2Fx"),
		hostile("data:", "callbackUrl=data:text/html,%3Cscript%3Ealert(1)%3C/script%3E"),
		hostile("tab then slashes", "callbackUrl=%09%2F%2Fevil.example"),
		hostile("slash tab slash", "callbackUrl=%2F%09%2Fevil.example"),
		hostile("slash newline slash", "callbackUrl=%2F%0A%2Fevil.example"),
		hostile("slash CR slash", "callbackUrl=%2F%0D%2Fevil.example"),
		hostile("CRLF header injection", "callbackUrl=%2F%0D%0ASet-Cookie:%20x%3D1"),
		hostile("NUL", "callbackUrl=%2F%00%2Fevil.example"),
		hostile("DEL", "callbackUrl=%2F%7F%2Fevil.example"),
		hostile("dot segments to a double slash", "callbackUrl=%2F.%2F%2Fevil.example"),
		hostile("encoded scheme in path", "callbackUrl=%2Fx%2Fhttps%3A%2F%2Fevil.example"),
		hostile("malformed percent-encoding", "callbackUrl=%2F%25zz"),
		hostile("10 KB", "callbackUrl=%2F"+strings.Repeat("a", 10<<10)),
		hostile("empty", "callbackUrl="),
		hostile("first of two is hostile", "callbackUrl=//evil.example&callbackUrl=/dashboard"),
		cb("first of two is local", "callbackUrl=/dashboard&callbackUrl=//evil.example", "/dashboard"),
		{name: "hostile under the ar locale", target: "/ar/login?callbackUrl=//evil.example", role: "user",
			wantStatus: http.StatusTemporaryRedirect, wantLocation: "/ar"},
		// A signed-in POST to the public sign-in route reaches its handler
		// (switching accounts): the harness routes only GET /login there,
		// so 405, and never a redirect to callbackUrl.
		{name: "POST: reaches the handler, no redirect", method: http.MethodPost, target: "/login?callbackUrl=//evil.example", role: "user",
			wantStatus: http.StatusMethodNotAllowed},
		{name: "no session: the login form is served", target: "/login?callbackUrl=//evil.example",
			wantStatus: http.StatusOK, wantBody: "login form"},
		// The login redirect for a visitor without a session carries the
		// path they asked for, escaped, never another site.
		{name: "login redirect escapes the query", target: "/dashboard?next=//evil.example",
			wantStatus: http.StatusTemporaryRedirect, wantLocation: "/login?callbackUrl=%2Fdashboard%3Fnext%3D%2F%2Fevil.example"},
	}
	runHostileRequests(t, newHarness(t), rows)
}

// TestAdversarialGuardBypass: paths, methods and headers that must not
// reach the handlers of an Auth route without a session (or /admin
// without the admin role). Dot segments, empty segments and every
// non-canonical percent-encoding are redirected (307) to the canonical
// path, which is then judged; encoded separators, backslashes and control
// characters are refused (400); a first segment shaped like a language
// tag that is not a configured locale is also read as a language
// parameter (the Auth reading wins); matching is case-sensitive like
// net/http's ServeMux, so /DASHBOARD is judged by the default type and
// served by no handler (404).
func TestAdversarialGuardBypass(t *testing.T) {
	const toLogin = "/login?callbackUrl=%2Fdashboard"
	// The callbackUrl carries the path as the client encoded it (a
	// decoded letter stays encoded): still the same local path.
	login := func(name, target, loc string) hostileRequest {
		return hostileRequest{name: name, target: target, wantStatus: http.StatusTemporaryRedirect, wantLocation: loc}
	}
	clean := login // a 307 to the cleaned path, judged on the next request
	refused := func(name, target string) hostileRequest {
		return hostileRequest{name: name, target: target, wantStatus: http.StatusBadRequest}
	}
	notFound := func(name, target string) hostileRequest {
		return hostileRequest{name: name, target: target, wantStatus: http.StatusNotFound}
	}
	withHeaders := func(name string, headers ...string) hostileRequest {
		return hostileRequest{name: name, target: "/dashboard", headers: headers,
			wantStatus: http.StatusTemporaryRedirect, wantLocation: toLogin}
	}
	forbidden := func(name, target string) hostileRequest {
		return hostileRequest{name: name, target: target, role: "user", wantStatus: http.StatusForbidden}
	}
	rows := []hostileRequest{
		{name: "signed in (control)", target: "/dashboard", role: "user", wantStatus: http.StatusOK, wantBody: dashboardContent},
		{name: "signed in, locale (control)", target: "/ar/dashboard/x", role: "user", wantStatus: http.StatusOK, wantBody: dashboardContent},
		{name: "admin (control)", target: "/admin/users", role: "admin", wantStatus: http.StatusOK, wantBody: adminContent},
		login("plain", "/dashboard", toLogin),
		login("trailing slash", "/dashboard/", toLogin+"%2F"),
		login("below", "/dashboard/secret", toLogin+"%2Fsecret"),
		login("query", "/dashboard?x=1", toLogin+"%3Fx%3D1"),
		clean("encoded letter", "/%64ashboard", "/dashboard"),
		clean("fully encoded", "/%64%61%73%68%62%6f%61%72%64", "/dashboard"),
		clean("lower-case hex", "/dashboard/%c3%a9", "/dashboard/%C3%A9"),
		login("raw non-ASCII (RawPath is the path itself)", "/dashboard/\xc3\xa9", toLogin+"%2F%25C3%25A9"),
		login("absolute-form target", "http://example.test/dashboard", toLogin),
		login("absolute-form, other host", "http://evil.example/dashboard", toLogin),
		clean("double slash", "//dashboard", "/dashboard"),
		clean("triple slash", "///dashboard", "/dashboard"),
		clean("dot segment", "/./dashboard", "/dashboard"),
		clean("trailing dot", "/dashboard/.", "/dashboard"),
		clean("dot-dot back in", "/dashboard/../dashboard", "/dashboard"),
		clean("dot-dot from elsewhere", "/x/../dashboard", "/dashboard"),
		clean("dot-dot from the public login", "/login/../dashboard", "/dashboard"),
		clean("dot-dot above the root", "/../../dashboard", "/dashboard"),
		clean("encoded dot-dot", "/%2e%2e/dashboard", "/dashboard"),
		clean("encoded dot-dot to admin", "/dashboard/%2E%2E/admin", "/admin"),
		clean("double slash at the end", "/dashboard//", "/dashboard/"),
		clean("absolute-form, double slash", "http://example.test//dashboard", "/dashboard"),
		clean("case variant through dot-dot", "/DASHBOARD/../dashboard", "/dashboard"),
		refused("encoded slash", "/dashboard%2Fsecret"),
		refused("encoded slash, lower case", "/dashboard%2fsecret"),
		refused("encoded backslash", "/dashboard%5Csecret"),
		refused("raw backslash", `/dashboard\secret`),
		refused("leading backslash", `/\dashboard`),
		refused("dot-dot with encoded slash", "/dashboard/..%2Flogin"),
		refused("encoded NUL", "/dashboard%00"),
		refused("encoded newline", "/dashboard%0a"),
		refused("encoded tab", "/%09/dashboard"),
		notFound("upper case", "/DASHBOARD"),
		notFound("mixed case, below", "/Dashboard/secret"),
		notFound("double-encoded slash (a literal %2F)", "/dashboard%252Fsecret"),
		notFound("semicolon parameter", "/dashboard;jsessionid=x"),
		notFound("suffix", "/dashboard.json"),
		// The guard asks the ServeMux, which has no route for these: 404.
		notFound("unknown locale", "/fr/dashboard"),
		notFound("upper-case locale", "/EN/dashboard"),
		notFound("region subtag", "/en-US/dashboard/x"),
		notFound("two locales", "/en/en/dashboard"),
		notFound("a word, not a language tag", "/english/dashboard"),
		notFound("encoded fragment", "/dashboard%23x"),
		notFound("encoded trailing space", "/dashboard%20"),
		clean("encoded trailing dot", "/dashboard%2e", "/dashboard."),
		login("encoded space below", "/dashboard/%20", toLogin+"%2F%2520"),
		login("empty query", "/dashboard?", toLogin),
		login("locale en", "/en/dashboard", "/en/login?callbackUrl=%2Fen%2Fdashboard"),
		login("locale ar, below", "/ar/dashboard/x", "/ar/login?callbackUrl=%2Far%2Fdashboard%2Fx"),
		clean("locale, encoded letter", "/en/%64ashboard", "/en/dashboard"),
		clean("encoded locale", "/%65n/dashboard", "/en/dashboard"),
		clean("locale, double slash", "/ar//dashboard", "/ar/dashboard"),
		clean("locale, dot segment", "/ar/./dashboard", "/ar/dashboard"),
		clean("locale, dot-dot", "/ar/../ar/dashboard", "/ar/dashboard"),
		clean("locale dropped by dot-dot", "/en/../dashboard", "/dashboard"),
		refused("locale, encoded slash", "/en/dashboard%2F"),
		{name: "HEAD", method: http.MethodHead, target: "/dashboard", wantStatus: http.StatusTemporaryRedirect, wantLocation: toLogin},
		{name: "OPTIONS", method: http.MethodOptions, target: "/dashboard", wantStatus: http.StatusSeeOther, wantLocation: toLogin},
		{name: "POST", method: http.MethodPost, target: "/dashboard", wantStatus: http.StatusSeeOther, wantLocation: toLogin},
		{name: "DELETE", method: http.MethodDelete, target: "/dashboard/x", wantStatus: http.StatusSeeOther, wantLocation: toLogin + "%2Fx"},
		{name: "unknown method", method: "PROPFIND", target: "/dashboard", wantStatus: http.StatusSeeOther, wantLocation: toLogin},
		{name: "OPTIONS *", method: http.MethodOptions, target: "*", wantStatus: http.StatusOK},
		withHeaders("X-Original-URL", "X-Original-URL: /login"),
		withHeaders("X-Rewrite-URL", "X-Rewrite-URL: /login"),
		withHeaders("x-middleware-subrequest", "x-middleware-subrequest: middleware:middleware:middleware:middleware:middleware"),
		withHeaders("X-Forwarded-Prefix", "X-Forwarded-Prefix: /login"),
		withHeaders("X-Forwarded-Uri and -Path", "X-Forwarded-Uri: /login", "X-Forwarded-Path: /login"),
		withHeaders("X-HTTP-Method-Override", "X-HTTP-Method-Override: OPTIONS"),
		withHeaders("JSON-looking Accept with HTML", "Accept: application/json, text/html"),
		withHeaders("garbage session cookie", "Cookie: session=garbage"),
		withHeaders("Authorization header", "Authorization: Bearer x"),
		{name: "JSON client gets 401", target: "/dashboard", headers: []string{"Accept: application/json"},
			wantStatus: http.StatusUnauthorized},
		{name: "header names the protected path", target: "/login", headers: []string{"X-Original-URL: /dashboard", "X-Rewrite-URL: /dashboard"},
			wantStatus: http.StatusOK, wantBody: "login form"},
		login("admin, no session", "/admin/users", "/login?callbackUrl=%2Fadmin%2Fusers"),
		forbidden("admin, role user", "/admin/users"),
		forbidden("admin base, role user", "/admin"),
		forbidden("admin, locale", "/en/admin/users"),
		{name: "admin, encoded letter", target: "/%61dmin/users", role: "user", wantStatus: http.StatusTemporaryRedirect, wantLocation: "/admin/users"},
		{name: "admin, unknown locale", target: "/fr/admin/users", role: "user", wantStatus: http.StatusNotFound},
		{name: "admin, double slash", target: "//admin/users", role: "user", wantStatus: http.StatusTemporaryRedirect, wantLocation: "/admin/users"},
		{name: "admin, encoded slash", target: "/admin%2Fusers", role: "user", wantStatus: http.StatusBadRequest},
		{name: "admin, upper case", target: "/ADMIN/users", role: "user", wantStatus: http.StatusNotFound},
		{name: "admin, POST", method: http.MethodPost, target: "/admin/users", role: "user", wantStatus: http.StatusForbidden},
	}
	runHostileRequests(t, newHarness(t), rows)
}

func TestGuardHostileCallbackUrl(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	cookie := sessionCookie(t, auth, "user", guardNow)
	h := auth.Middleware(&reached{})
	for _, cb := range []string{
		"//evil.com", `/\evil.com`, "https://evil.com", "http:evil.com", "javascript:alert(1)",
		"/%2F%2Fevil.com", "/%2f%2fevil.com", "/%5Cevil.com", "/%252F%252Fevil.com", "/%25252F%25252Fevil.com",
		"/\t/evil.com", "/\r\nSet-Cookie:x=1", "/ok\x00", "evil.com", "", "/a/../..//evil.com",
		"/%", "/%zz", " //evil.com", "\\\\evil.com", "/" + strings.Repeat("a", 5000),
	} {
		t.Run(cb, func(t *testing.T) {
			w := serve(h, "GET", "/login?callbackUrl="+url.QueryEscape(cb), cookie, nil)
			if got := w.Header().Get("Location"); got != "/" {
				t.Errorf("Location: got %q, want %q", got, "/")
			}
		})
	}
}

// TestGuardBypass lists path and header tricks: none may reach a guarded
// handler without a session, on net/http's ServeMux. Redirects are
// followed (as a browser would) to check where they lead.
func TestGuardBypass(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	cookie := sessionCookie(t, auth, "user", guardNow)
	guarded := &reached{}
	open := &reached{}
	mux := http.NewServeMux()
	for _, p := range []string{"/dashboard", "/dashboard/", "/settings", "/admin/", "/ar/dashboard", "/ar/dashboard/", "/en/dashboard/", "/api/private/"} {
		mux.Handle(p, guarded)
	}
	mux.Handle("/", open)
	h := auth.Middleware(mux)
	attacks := []string{
		"/dashboard",
		"/dashboard/",
		"/dashboard/secret",
		"//dashboard",
		"///dashboard",
		"/./dashboard",
		"/dashboard/.",
		"/dashboard/../dashboard",
		"/login/../dashboard",
		"/x/../dashboard/",
		"/%64ashboard",
		"/%64%61%73%68%62%6f%61%72%64",
		"/dashboard%2Fsecret",
		"/dashboard%2fsecret",
		"/dashboard%5Csecret",
		"/dashboard/%2e%2e/dashboard",
		"/%2e/dashboard",
		"/%2E%2E/dashboard",
		"/dashboard/..%2Flogin",
		"/dashboard%252Fsecret",
		"/dashboard//",
		"/dashboard%00",
		"/dashboard%0a",
		"/DASHBOARD/../dashboard",
		"/settings/",
		"/settings//",
		"/admin/users",
		"/admin",
		"/ar/dashboard",
		"/ar/dashboard/",
		"/ar//dashboard",
		"/ar/./dashboard",
		"/ar/../ar/dashboard",
		"/%61r/dashboard",
		"/en/%64ashboard",
		"/en/dashboard%2F",
		"/api/private/x",
		"/api//private/x",
		"/api/./private/x",
		"/api/%70rivate/x",
	}
	headers := []map[string]string{
		nil,
		{"X-Middleware-Subrequest": "middleware:middleware:middleware:middleware:middleware"},
		{"X-Original-URL": "/login", "X-Rewrite-URL": "/login"},
		{"X-Forwarded-Prefix": "/login", "X-Forwarded-Uri": "/login", "X-Forwarded-Path": "/login"},
		{"X-HTTP-Method-Override": "OPTIONS", "X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"},
		{"Accept": "application/json", "Authorization": "Bearer x", "Cookie": "session=garbage"},
	}
	for _, target := range attacks {
		for hi, hdr := range headers {
			t.Run(target+"#"+string(rune('0'+hi)), func(t *testing.T) {
				before := guarded.n.Load()
				loc := target
				for range 5 {
					w := serve(h, "GET", loc, "", hdr)
					if w.Code < 300 || w.Code > 399 {
						break
					}
					next := w.Header().Get("Location")
					if strings.HasPrefix(next, "/login") || strings.HasPrefix(next, "/ar/login") || strings.HasPrefix(next, "/en/login") {
						break
					}
					loc = next
				}
				if got := guarded.n.Load() - before; got != 0 {
					t.Fatalf("guarded handler reached %d times without a session, want 0", got)
				}
			})
		}
	}
	// With a session the same plain paths do reach the handler: the guard
	// is not refusing everything.
	for _, target := range []string{"/dashboard", "/ar/dashboard", "/admin/users"} {
		before := guarded.n.Load()
		serve(h, "GET", target, cookie, nil)
		if got := guarded.n.Load() - before; got != 1 {
			t.Errorf("%s with a session: handler calls got %d, want 1", target, got)
		}
	}
	// An encoded letter is sent to the canonical spelling first, with or
	// without a session (the router then reads what the guard judged).
	if w := serve(h, "GET", "/%64ashboard?x=1", cookie, nil); w.Code != 307 || w.Header().Get("Location") != "/dashboard?x=1" {
		t.Errorf("/%%64ashboard with a session: got %d %q, want 307 /dashboard?x=1", w.Code, w.Header().Get("Location"))
	}
}

func TestGuardRefusesAndCleans(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	h := auth.Middleware(&reached{})
	tests := []struct {
		target   string
		status   int
		location string
	}{
		{"/dashboard%2Fsecret", 400, ""},
		{"/a%5Cb", 400, ""},
		{"/a%00", 400, ""},
		{"//evil.com", 307, "/evil.com"},
		{"//dashboard?x=1", 307, "/dashboard?x=1"},
		{"/a/../b/", 307, "/b/"},
	}
	for _, tt := range tests {
		w := serve(h, "GET", tt.target, "", nil)
		if w.Code != tt.status || w.Header().Get("Location") != tt.location {
			t.Errorf("%s: got %d %q, want %d %q", tt.target, w.Code, w.Header().Get("Location"), tt.status, tt.location)
		}
	}
}

// TestGuardBypassRealServer sends raw request lines to a real server, so
// that nothing between the wire and the guard is simulated.
func TestGuardBypassRealServer(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	guarded := &reached{}
	mux := http.NewServeMux()
	mux.Handle("/dashboard", guarded)
	mux.Handle("/dashboard/", guarded)
	mux.Handle("/ar/dashboard", guarded)
	mux.Handle("/", &reached{})
	srv := httptest.NewServer(auth.Middleware(mux))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, target := range []string{
		"/dashboard", "//dashboard", "/./dashboard", "/x/../dashboard", "/%64ashboard",
		"/dashboard%2Fsecret", "/%2e%2e/dashboard", "/ar//dashboard", "/dashboard/",
		"http://" + host + "/dashboard", "http://" + host + "//dashboard", "http://evil.example/dashboard",
	} {
		t.Run(target, func(t *testing.T) {
			before := guarded.n.Load()
			conn, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nX-Original-URL: /login\r\nX-Middleware-Subrequest: middleware\r\nConnection: close\r\n\r\n", target, host)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := guarded.n.Load() - before; got != 0 {
				t.Fatalf("guarded handler reached %d times (status %d), want 0", got, resp.StatusCode)
			}
			if resp.StatusCode < 300 || resp.StatusCode >= 500 {
				t.Errorf("status got %d, want a redirect or a 4xx", resp.StatusCode)
			}
		})
	}
}
