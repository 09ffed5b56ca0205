package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/memstore"
)

const noticeHTML = `<p class="notice" role="status">`

// TestDemoFlashBanners: each banner after a form post is a flash value,
// shown on the next page only.
func TestDemoFlashBanners(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)
	signIn(t, c, srv.URL, "Flo", "user")
	if _, page := get(t, c, srv.URL+"/dashboard"); strings.Contains(page, noticeHTML) {
		t.Error("a banner before any post")
	}
	resp, _ := post(t, c, srv.URL+"/dashboard/name", url.Values{"name": {"Florence"}})
	if got := resp.Header.Get("Location"); got != "/dashboard" {
		t.Fatalf("got Location %q, want /dashboard (no banner in the query)", got)
	}
	if _, page := get(t, c, srv.URL+"/ar/dashboard"); !strings.Contains(page, noticeHTML+"تم تحديث اسمك المعروض.</p>") {
		t.Error("the banner is missing, or not in the page's language")
	}
	if _, page := get(t, c, srv.URL+"/dashboard"); strings.Contains(page, noticeHTML) {
		t.Error("the banner is shown twice")
	}
	// A banner the demo does not know is never shown: flash values name
	// banners, they never carry text.
	if strings.Contains(body(t, mustGet(t, c, srv.URL+"/dashboard?updated=1")), noticeHTML) {
		t.Error("the old query-string banner still works")
	}
}

func mustGet(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestDemoRememberMe: the sign-in form's remember box decides whether the
// cookie outlives the browser session; the session page says which.
func TestDemoRememberMe(t *testing.T) {
	srv := newTestServer(t, options{})
	for _, tt := range []struct {
		remember   string
		persistent bool
		shown      string
	}{
		{"", false, "no: the browser forgets"},
		{"1", true, "yes: the cookie lasts"},
	} {
		c := newClient(t)
		resp, _ := post(t, c, srv.URL+"/login", url.Values{"name": {"Rita"}, "role": {"user"}, "remember": {tt.remember}})
		line := resp.Header.Get("Set-Cookie")
		if !strings.HasPrefix(line, "session=") {
			t.Fatalf("remember %q: Set-Cookie %q", tt.remember, line)
		}
		if got := strings.Contains(line, "Max-Age=") && strings.Contains(line, "Expires="); got != tt.persistent {
			t.Errorf("remember %q: Set-Cookie %q: Max-Age and Expires %v, want %v", tt.remember, line, got, tt.persistent)
		}
		if _, page := get(t, c, srv.URL+"/dashboard/session"); !strings.Contains(page, `<td id="remembered">`+tt.shown) {
			t.Errorf("remember %q: the session page does not say %q", tt.remember, tt.shown)
		}
		// Extending keeps the choice.
		resp, _ = post(t, c, srv.URL+"/dashboard/extend", nil)
		if line := resp.Header.Get("Set-Cookie"); strings.Contains(line, "Max-Age=") != tt.persistent {
			t.Errorf("remember %q: refreshed Set-Cookie %q", tt.remember, line)
		}
	}
}

// TestDemoNote: a note kept in the session's data: set, shown, refused
// when too long, removed when empty; never in the page's JSON.
func TestDemoNote(t *testing.T) {
	srv := newTestServer(t, options{})
	c := newClient(t)
	signIn(t, c, srv.URL, "Nia", "user")
	resp, _ := post(t, c, srv.URL+"/dashboard/note", url.Values{"note": {"buy <milk>"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: got %d, want 303", resp.StatusCode)
	}
	_, page := get(t, c, srv.URL+"/dashboard")
	if !strings.Contains(page, `<p id="note" dir="auto"><bdi>buy &lt;milk&gt;</bdi></p>`) || !strings.Contains(page, "Your note was saved.") {
		t.Errorf("dashboard: no note or no banner:\n%s", page)
	}
	if strings.Contains(page, `"data"`) {
		t.Error("the page's session JSON carries the session's data")
	}
	resp, _ = post(t, c, srv.URL+"/dashboard/note", url.Values{"note": {strings.Repeat("n", 201)}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("too long: got %d, want 400", resp.StatusCode)
	}
	if _, page := get(t, c, srv.URL+"/dashboard"); !strings.Contains(page, "buy &lt;milk&gt;</bdi>") {
		t.Error("a refused note changed the saved one")
	}
	post(t, c, srv.URL+"/dashboard/note", url.Values{"note": {"  "}})
	if _, page := get(t, c, srv.URL+"/dashboard"); strings.Contains(page, `id="note"`) || !strings.Contains(page, "Your note was removed.") {
		t.Error("the note was not removed")
	}
	if resp, _ := post(t, newClient(t), srv.URL+"/dashboard/note", url.Values{"note": {"x"}}); resp.StatusCode/100 != 3 {
		t.Errorf("without a session: got %d, want a redirect", resp.StatusCode)
	}
}

// TestDemoSwitchAccount: a signed-in user signs in as someone else from
// the sign-in form; the old session is revoked, the audit log (events)
// says so, and a cross-site post of the form is refused.
func TestDemoSwitchAccount(t *testing.T) {
	logs := &testenv.Buffer{}
	app, err := newApp(options{Secret: testSecret, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Store: memstore.New(memstore.Options{}), StoreName: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app)
	defer srv.Close()
	c := newClient(t)
	signIn(t, c, srv.URL, "Ann", "user")
	ann := sessionCookie(t, c, srv.URL)

	// The sign-in page itself still sends a signed-in visitor home.
	if resp, _ := get(t, c, srv.URL+"/login"); resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("GET /login signed in: got %d, want 307", resp.StatusCode)
	}
	if resp := crossSitePost(t, c, srv.URL+"/login", "name=Mallory&role=admin"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in: got %d, want 403", resp.StatusCode)
	}

	signIn(t, c, srv.URL, "Bob", "admin") // posts the form with Ann's cookie
	if _, page := get(t, c, srv.URL+"/dashboard"); !strings.Contains(page, "<bdi>Bob</bdi>") {
		t.Error("the dashboard does not show Bob")
	}
	old := newClient(t)
	u, _ := url.Parse(srv.URL)
	old.Jar.SetCookies(u, []*http.Cookie{ann})
	if resp, _ := get(t, old, srv.URL+"/dashboard"); resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("Ann's old cookie: got %d, want the login redirect (revoked)", resp.StatusCode)
	}
	out := logs.String()
	for _, want := range []string{`msg="demo: signed in" user=u_ann remembered=false`, `msg="demo: signed out" user=u_ann`, `msg="demo: signed in" user=u_bob`} {
		if !strings.Contains(out, want) {
			t.Errorf("audit log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Mallory") || strings.Contains(out, "u_mallory") {
		t.Error("the refused cross-site sign-in reached the handler")
	}
}
