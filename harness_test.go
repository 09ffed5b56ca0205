package authsession_test

// Adversarial suite: a running httptest.Server with the library configured
// as an application would configure it is fed hostile input, and for every
// request the status must be the expected one, never a 5xx, never a panic,
// and a good request afterwards must still work. The captured debug log
// must never contain a token, the secret or the key. SECURITY.md links
// each threat to its tests.
//
// This file holds the harness and the helpers of its tables; the hostile
// inputs themselves are in the <file>_hostile_test.go of the file they
// attack: tokens_hostile_test.go (forged, tampered and truncated
// tokens), formats_hostile_test.go (claims, nesting),
// engine_cookie_hostile_test.go (oversized cookies, chunks, the cookie
// name's binding), guard_hostile_test.go (paths, headers, callbackUrl),
// handlers_hostile_test.go (cross-site requests),
// engine_store_hostile_test.go (replay, floods), engine_hostile_test.go
// (logs), engine_generations_hostile_test.go (older cookies, races).

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/patterns"
)

const (
	advSecret     = "adversarial-suite-secret-0123456789abcdef"
	advOtherKey   = "another-secret-entirely-0123456789abcdefgh"
	advCookieName = "session"
	// leakWindow is the longest token substring allowed in a log line.
	leakWindow = 16
)

// advNow is the suite's fixed clock: tokens built by hand are valid (or
// expired) against it deterministically.
var advNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// harness is a running server with the library wired as an application
// would wire it.
type harness struct {
	root   *testing.T // the test that owns the harness, for cleanup checks
	srv    *httptest.Server
	auth   *authsession.AuthSession[authsession.User]
	logs   *testenv.Buffer // Config.Logger, debug level
	errlog *testenv.Buffer // http.Server.ErrorLog: panics land here
	key    []byte
	kid    string

	mu     sync.Mutex
	tokens []string // every token sent, for the leak check
}

// harnessOption changes the suite's configuration before the library is
// built.
type harnessOption func(*authsession.Config[authsession.User])

// withStore configures a session store (revocation, replay tests).
func withStore(st authsession.Store) harnessOption {
	return func(c *authsession.Config[authsession.User]) { c.Store = st }
}

// withClock replaces the suite's fixed clock (advNow).
func withClock(now func() time.Time) harnessOption {
	return func(c *authsession.Config[authsession.User]) { c.Now = now }
}

// Markers written by the guarded handlers: a response body containing one
// means the guard let the request through to protected content.
const (
	dashboardContent = "DASHBOARD-CONTENT"
	adminContent     = "ADMIN-CONTENT"
)

// newHarness starts the suite's server, configured as the demo app is:
// Public("/login"), Auth(patterns.Dashboard), Auth(patterns.Admin) with the
// role "admin" required by Config.Authorize, locales en and ar, everything
// else hybrid (so /signin and /whoami work with or without a session), and
// the session API mounted at /api/session (PATCH may change "name").
func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{root: t, logs: &testenv.Buffer{}, errlog: &testenv.Buffer{}}
	var auth *authsession.AuthSession[authsession.User]
	cfg := authsession.Config[authsession.User]{
		Secret: advSecret,
		Cookie: authsession.CookieConfig{Name: advCookieName, Insecure: true},
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return advNow },
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth(patterns.Dashboard),
			authsession.Auth(patterns.Admin),
		},
		Locales:         []string{"en", "ar"},
		UpdatableFields: []string{"name"},
		Authorize: func(signedIn bool, r *http.Request, rule authsession.Rule) http.Handler {
			if rule.Pattern != patterns.Admin || !signedIn {
				return nil
			}
			if s, _ := auth.GetSession(r); s.User.ExtraString("role") != "admin" {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "admins only", http.StatusForbidden)
				})
			}
			return nil
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	auth = buildAuth(t, cfg)
	h.auth = auth
	var err error
	if h.key, err = jwe.DeriveKey(advSecret, advCookieName); err != nil {
		t.Fatalf("DeriveKey: %v", err)
	}
	h.kid = jwe.KeyID(h.key)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		user := authsession.User{ID: "u_1", Name: q.Get("name")}
		if role := q.Get("role"); role != "" {
			user.Extra = map[string]any{"role": role}
		}
		s, err := auth.CreateSession(w, r, user)
		if err != nil {
			http.Error(w, "sign-in failed", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, s.ID)
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		s, ok := auth.GetSession(r)
		if !ok {
			io.WriteString(w, "none")
			return
		}
		io.WriteString(w, "session:"+s.ID)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "login form")
	})
	// Every method reaches the protected handlers: only the guard stands
	// between a request and their content.
	for _, prefix := range []string{"", "/en", "/ar"} {
		for _, p := range []string{"/dashboard", "/dashboard/"} {
			mux.HandleFunc(prefix+p, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, dashboardContent) })
		}
		for _, p := range []string{"/admin", "/admin/"} {
			mux.HandleFunc(prefix+p, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, adminContent) })
		}
	}
	mux.Handle("/api/session", auth.Handlers)
	mux.Handle("/api/session/", auth.Handlers)
	h.srv = httptest.NewUnstartedServer(auth.Middleware(mux))
	h.srv.Config.ErrorLog = log.New(h.errlog, "", 0)
	h.srv.Start()
	t.Cleanup(func() {
		h.srv.Close()
		h.checkNoPanics()
		h.checkLogs()
	})
	return h
}

func (h *harness) remember(tok string) {
	h.mu.Lock()
	h.tokens = append(h.tokens, tok)
	h.mu.Unlock()
}

// login signs in through the server and returns the session id and the
// cookie header that carries the session.
func (h *harness) login(t *testing.T, name string) (id, cookie string) {
	t.Helper()
	return h.loginAs(t, name, "user")
}

// loginAs is login with a role ("admin" may see /admin).
func (h *harness) loginAs(t *testing.T, name, role string) (id, cookie string) {
	t.Helper()
	resp, err := h.srv.Client().Post(h.srv.URL+"/signin?name="+url.QueryEscape(name)+"&role="+role, "text/plain", nil)
	if err != nil {
		t.Fatalf("POST /signin: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /signin: got status %d, want 200", resp.StatusCode)
	}
	return string(body), h.setCookies(resp)
}

// setCookies returns the cookies resp sets (not the ones it expires) as a
// Cookie header value, and remembers their values for the leak check.
func (h *harness) setCookies(resp *http.Response) string {
	var parts []string
	for _, c := range resp.Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			parts = append(parts, c.Name+"="+c.Value)
			h.remember(c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// token returns a fresh valid token for the harness's server.
func (h *harness) token(t *testing.T) string {
	t.Helper()
	_, cookie := h.login(t, "ann")
	tok, ok := strings.CutPrefix(cookie, advCookieName+"=")
	if !ok || strings.Contains(tok, ";") {
		t.Fatalf("login cookie %q is not a single %s cookie", cookie, advCookieName)
	}
	return tok
}

// whoami sends GET /whoami with a raw Cookie header and returns the status
// and body.
func (h *harness) whoami(t *testing.T, cookieHeader string) (int, string) {
	t.Helper()
	var lines []string
	if cookieHeader != "" {
		lines = append(lines, "Cookie: "+cookieHeader)
	}
	resp, body := h.raw(t, http.MethodGet, "/whoami", lines...)
	return resp.StatusCode, body
}

// raw sends one request over a fresh TCP connection, byte for byte as
// given (so paths and header bytes that net/http's client would refuse or
// normalise can be sent), and returns the response and its body. A
// dropped connection (as after a panic) fails the test.
func (h *harness) raw(t *testing.T, method, target string, headerLines ...string) (*http.Response, string) {
	t.Helper()
	return h.rawBody(t, method, target, "", headerLines...)
}

// rawBody is raw with a request body (and its Content-Length) when body is
// not empty.
func (h *harness) rawBody(t *testing.T, method, target, body string, headerLines ...string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	var req strings.Builder
	req.WriteString(method + " " + target + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n")
	for _, l := range headerLines {
		req.WriteString(l + "\r\n")
	}
	if body != "" {
		fmt.Fprintf(&req, "Content-Length: %d\r\n", len(body))
	}
	req.WriteString("\r\n" + body)
	// Write concurrently: a server refusing an oversized request answers
	// before reading all of it.
	werr := make(chan error, 1)
	go func() {
		_, err := io.WriteString(conn, req.String())
		werr <- err
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		var wrote error
		select {
		case wrote = <-werr:
		default:
		}
		t.Fatalf("%s %.80s: reading response: %v (write error: %v): the server dropped the connection (panic?)", method, target, err, wrote)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// sessionID returns the id the server reads from tok, failing if none.
func (h *harness) sessionID(t *testing.T, tok string) string {
	t.Helper()
	code, body := h.whoami(t, advCookieName+"="+tok)
	id, ok := strings.CutPrefix(body, "session:")
	if code != http.StatusOK || !ok {
		t.Fatalf("control token: got %d %q, want a session", code, body)
	}
	return id
}

// stillServing fails the test unless a good request finds its session.
func (h *harness) stillServing(t *testing.T) {
	t.Helper()
	id, cookie := h.login(t, "ann")
	code, body := h.whoami(t, cookie)
	if code != http.StatusOK || body != "session:"+id {
		t.Fatalf("follow-up good request: got %d %q, want 200 %q", code, body, "session:"+id)
	}
}

// expectNoSession sends tok as the session cookie and wants "no session".
func (h *harness) expectNoSession(t *testing.T, what, tok string) {
	t.Helper()
	h.remember(tok)
	code, body := h.whoami(t, advCookieName+"="+tok)
	if code != http.StatusOK || body != "none" {
		t.Errorf("%s: got %d %q, want 200 %q", what, code, body, "none")
	}
}

func (h *harness) checkNoPanics() {
	t := h.root
	if s := h.errlog.String(); strings.Contains(s, "panic") {
		t.Errorf("server error log reports a panic:\n%s", s)
	}
}

// checkLogs asserts the debug log holds neither a token (nor any substring
// of one longer than leakWindow), nor the secret, nor the key.
func (h *harness) checkLogs() {
	t := h.root
	t.Helper()
	logs := h.logs.String()
	if logs == "" {
		return
	}
	windows := make(map[string]struct{}, len(logs))
	for i := 0; i+leakWindow+1 <= len(logs); i++ {
		windows[logs[i:i+leakWindow+1]] = struct{}{}
	}
	leaks := func(what, s string) bool {
		for i := 0; i+leakWindow+1 <= len(s); i++ {
			if _, ok := windows[s[i:i+leakWindow+1]]; ok {
				t.Errorf("log contains a %d-byte substring of %s: %q", leakWindow+1, what, s[i:i+leakWindow+1])
				return true
			}
		}
		return false
	}
	leaks("the secret", advSecret)
	leaks("the key", base64.RawURLEncoding.EncodeToString(h.key))
	leaks("the key", base64.StdEncoding.EncodeToString(h.key))
	leaks("the key", fmt.Sprintf("%x", h.key))
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := make(map[string]bool)
	for _, tok := range h.tokens {
		// Strip bytes that cannot appear in a token's base64url segments
		// so inserted control bytes do not hide a leak.
		if seen[tok] {
			continue
		}
		seen[tok] = true
		if leaks("a token", tok) {
			return
		}
	}
}

// hostileRequest is one row of the HTTP tables.
type hostileRequest struct {
	name    string
	method  string
	target  string   // sent verbatim: "//dashboard", "/%64ashboard", ...
	headers []string // raw "Name: value" lines
	body    string
	// role, if set, signs in with that role first ("user" or "admin") and
	// sends the session cookie.
	role       string
	wantStatus int
	// wantLocation, if set, must equal the Location header.
	wantLocation string
	// wantBody, if set, must equal the body; otherwise the body must hold
	// no protected content (dashboardContent, adminContent).
	wantBody string
	// check, if set, runs last with the response and the cookie sent.
	check func(t *testing.T, h *harness, resp *http.Response, cookie string)
}

// runHostileRequests sends every row and checks: no 5xx, the status, the
// Location (and that any redirect stays on the site), the body, the row's
// own check, and that a good request afterwards still works. The harness
// cleanup checks for panics and for secrets in the log.
func runHostileRequests(t *testing.T, h *harness, rows []hostileRequest) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			headers := tt.headers
			var cookie string
			if tt.role != "" {
				_, cookie = h.loginAs(t, "ann", tt.role)
				headers = append(append([]string{}, headers...), "Cookie: "+cookie)
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			resp, body := h.rawBody(t, method, tt.target, tt.body, headers...)
			if resp.StatusCode >= 500 {
				t.Fatalf("got status %d, want no 5xx", resp.StatusCode)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			loc := resp.Header.Get("Location")
			if tt.wantLocation != "" && loc != tt.wantLocation {
				t.Errorf("got Location %q, want %q", loc, tt.wantLocation)
			}
			if loc != "" && !authsession.IsLocalPath(loc) {
				t.Errorf("got Location %q, want a local path", loc)
			}
			switch {
			case tt.wantBody != "":
				if body != tt.wantBody {
					t.Errorf("got body %.80q, want %q", body, tt.wantBody)
				}
			case strings.Contains(body, dashboardContent) || strings.Contains(body, adminContent):
				t.Errorf("got protected content %.80q, want none", body)
			}
			if tt.check != nil {
				tt.check(t, h, resp, cookie)
			}
			h.stillServing(t)
		})
	}
}

// apiSession reads GET /api/session with cookie and returns the session's
// user name, or false when the API reports no session.
func apiSession(t *testing.T, h *harness, cookie string) (name string, ok bool) {
	t.Helper()
	resp, body := h.raw(t, http.MethodGet, "/api/session", "Cookie: "+cookie)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/session: got status %d, want 200", resp.StatusCode)
	}
	var got struct {
		Session *struct {
			User struct {
				Name string `json:"name"`
			} `json:"user"`
		} `json:"session"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("GET /api/session: %v in %.80q", err, body)
	}
	if got.Session == nil {
		return "", false
	}
	return got.Session.User.Name, true
}
