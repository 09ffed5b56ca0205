package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

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

// TestDemoSignInStoreFull: a sign-in the store refuses (here a full memory
// store) answers 503, not 500, and sets no cookie; the signed-in user stays
// signed in.
func TestDemoSignInStoreFull(t *testing.T) {
	store := authsession.NewMemoryStore(authsession.MemoryStoreOptions{MaxSessions: 1})
	srv := newTestServer(t, options{Store: store, StoreName: "test"})
	ann := newClient(t)
	signIn(t, ann, srv.URL, "Ann", "user")
	bob := newClient(t)
	resp, _ := post(t, bob, srv.URL+"/login", url.Values{"name": {"Bob"}, "role": {"user"}})
	if got, want := resp.StatusCode, http.StatusServiceUnavailable; got != want {
		t.Errorf("sign-in into a full store: got status %d, want %d", got, want)
	}
	if c := sessionCookie(t, bob, srv.URL); c != nil {
		t.Errorf("sign-in into a full store set a session cookie")
	}
	if resp, _ := get(t, ann, srv.URL+"/dashboard"); resp.StatusCode != http.StatusOK {
		t.Errorf("the signed-in user after another's refused sign-in: got status %d, want 200", resp.StatusCode)
	}
}
