package authsession_test

// Cookie names, sign-out and bad cookies of Auth.js and NextAuth.js
// against the real packages (formats_foreign_nextjs_test.go has the
// fixtures).

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// TestNodeBothCookieNames (point 7): behind a TLS-terminating proxy the
// Next.js app names its cookie with or without "__Secure-" depending on
// the scheme it sees. With Cookie.AcceptBothNames one configuration reads
// both, each under its own key, and re-issues a session under the name it
// came with, which the package then reads; without the option, only the
// configured name is a session.
func TestNodeBothCookieNames(t *testing.T) {
	forEachFormat(t, func(t *testing.T, plain nextApp) {
		f := plain.format
		secure := plain
		secure.base = "https://app.example"
		both := foreignAuth(t, f, secure.base, newClockAt(time.Now()), func(c *authsession.Config[authsession.User]) { c.Cookie.AcceptBothNames = true })
		only := foreignAuth(t, f, secure.base, newClockAt(time.Now()), nil)
		for _, app := range []nextApp{secure, plain} {
			jar := app.signIn(t, bobUser, nil, false)
			wantSession(t, both, jar, "u_42")
			if app.base == plain.base {
				wantNoSession(t, only, jar, "", nil)
			} else {
				wantSession(t, only, jar, "u_42")
			}
			rec := httptest.NewRecorder()
			if _, err := both.RefreshSession(rec, jarRequest("GET", "/", jar)); err != nil {
				t.Fatal(err)
			}
			c := cookieNamed(rec.Result().Cookies(), app.sessionName())
			if c == nil || len(rec.Result().Cookies()) != 1 {
				t.Fatalf("%s: refreshed: got cookies %v, want only %s", app.base, rec.Result().Cookies(), app.sessionName())
			}
			if c.Secure != true {
				t.Errorf("%s: re-issued cookie not Secure", app.base)
			}
			if status, body, _ := app.session(t, applyCookies(jar, rec.Result().Cookies())); status != http.StatusOK || !strings.Contains(string(body), `"name":"Bob"`) {
				t.Errorf("%s: the package's session endpoint on the re-issued cookie: got %d %s, want 200 with Bob", app.base, status, body)
			}
		}
		// A new session goes to the configured name.
		rec := httptest.NewRecorder()
		if _, err := both.CreateSession(rec, httptest.NewRequest("POST", "/login", nil), userBob); err != nil {
			t.Fatal(err)
		}
		if cs := rec.Result().Cookies(); len(cs) != 1 || cs[0].Name != secure.sessionName() {
			t.Errorf("CreateSession: got cookies %v, want only %s", cs, secure.sessionName())
		}
	})
	_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: secretA, Cookie: authsession.CookieConfig{Name: "__Host-session", AcceptBothNames: true}})
	if !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "Cookie.AcceptBothNames") {
		t.Errorf("AcceptBothNames with a __Host- name: got %v, want a configuration error naming Cookie.AcceptBothNames", err)
	}
}

// TestNodeSignOutClearsAuxCookies (point 7): DeleteSession in a foreign
// format clears the session cookie and the CSRF and callback-URL cookies a
// real sign-in left, under the names the package gave them (__Host- and
// __Secure- over HTTPS, plain over HTTP), with the attributes a browser
// needs to accept the deletion.
func TestNodeSignOutClearsAuxCookies(t *testing.T) {
	node := requireNode(t)
	for _, f := range foreignFormats {
		for _, base := range []string{"https://app.example", "http://app.example"} {
			t.Run(string(f)+"/"+base[:strings.Index(base, ":")], func(t *testing.T) {
				t.Parallel()
				app := nextApp{node: node, format: f, base: base, maxAge: time.Hour}
				jar := app.signIn(t, bobUser, nil, false)
				if len(jar) != 3 {
					t.Fatalf("sign-in left cookies %v, want the session, CSRF and callback-URL cookies", jar)
				}
				jar["theme"] = "dark"
				auth := foreignAuth(t, f, base, newClockAt(time.Now()), nil)
				rec := httptest.NewRecorder()
				if err := auth.DeleteSession(rec, jarRequest("POST", "/logout", jar)); err != nil {
					t.Fatal(err)
				}
				cleared := map[string]*http.Cookie{}
				for _, c := range rec.Result().Cookies() {
					if c.MaxAge >= 0 {
						t.Errorf("DeleteSession set %s, want it cleared", c.Name)
					}
					cleared[c.Name] = c
				}
				for name := range jar {
					c := cleared[name]
					switch {
					case name == "theme":
						if c != nil {
							t.Errorf("DeleteSession cleared the app's %s cookie", name)
						}
					case c == nil:
						t.Errorf("DeleteSession left %s", name)
					case strings.HasPrefix(name, "__") && !c.Secure, strings.HasPrefix(name, "__Host-") && (c.Path != "/" || c.Domain != ""):
						t.Errorf("%s cleared with Secure=%v Path=%q Domain=%q: a browser ignores that", name, c.Secure, c.Path, c.Domain)
					}
				}
				if len(cleared) != 3 {
					t.Errorf("DeleteSession cleared %d cookies, want 3: %v", len(cleared), rec.Result().Cookies())
				}
			})
		}
	}
}

// TestNodeBadForeignCookies: cookies the package made, then broken —
// truncated, tampered with, expired, oversized, a chunk missing, of the
// other format or under the other cookie name — and plain garbage are no
// session in the guard, the session API, GetSession and DecryptSession,
// never a 5xx.
func TestNodeBadForeignCookies(t *testing.T) {
	forEachFormat(t, func(t *testing.T, app nextApp) {
		f := app.format
		name := app.sessionName()
		auth := foreignAuth(t, f, app.base, newClockAt(time.Now()), nil)
		other := app
		other.format = foreignFormats[1-indexOf(foreignFormats, f)]
		good := app.token(app.signIn(t, bobUser, nil, false))
		chunked := app.signIn(t, bobUser, map[string]any{"bio": strings.Repeat("b", 6000)}, false)
		delete(chunked, name+".1")
		flipped := []byte(good)
		flipped[len(flipped)/2] ^= 1
		claims := map[string]any{"sub": "u_42"}
		for _, tt := range []struct {
			name string
			jar  map[string]string
			tok  string
		}{
			{"truncated", map[string]string{name: good[:len(good)-10]}, good[:len(good)-10]},
			{"tampered", map[string]string{name: string(flipped)}, string(flipped)},
			{"expired", nil, app.encode(t, name, claims, -60)},
			{"oversized", nil, app.encode(t, name, map[string]any{"sub": "u_42", "bio": strings.Repeat("b", 20000)}, 3600)},
			{"missing chunk", chunked, ""},
			{"other format", nil, other.encode(t, other.sessionName(), claims, 3600)},
			{"other cookie name", nil, app.encode(t, "__Secure-"+name, claims, 3600)},
			{"garbage", map[string]string{name: "not.a.token.at.all"}, "not.a.token.at.all"},
		} {
			jar := tt.jar
			if jar == nil {
				jar = map[string]string{name: tt.tok}
			}
			if tt.name == "other cookie name" && f == authsession.FormatNextAuthV4 {
				continue // its key does not depend on the cookie name
			}
			t.Run(tt.name, func(t *testing.T) {
				want := authsession.ErrInvalidToken
				if tt.name == "expired" {
					want = authsession.ErrTokenExpired
				}
				wantNoSession(t, auth, jar, tt.tok, want)
			})
		}
	})
}

func indexOf[T comparable](s []T, v T) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
