package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

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
