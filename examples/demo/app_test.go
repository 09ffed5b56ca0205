package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func newTestServer(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	app, err := newApp(options{
		Secret: "demo-test-secret-0123456789abcdefghij",
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return srv, &http.Client{Jar: jar}
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

func TestDemoSignInShowSignOut(t *testing.T) {
	srv, client := newTestServer(t)

	resp, err := client.PostForm(srv.URL+"/login", url.Values{"name": {"Ann <b>"}, "role": {"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Ann &lt;b&gt;") || !strings.Contains(page, "admin") {
		t.Fatalf("after sign-in: status %d, page lacks the escaped name and role:\n%s", resp.StatusCode, page)
	}
	for _, c := range resp.Request.Response.Cookies() {
		if c.Name == "session" && !c.HttpOnly {
			t.Error("session cookie is not HttpOnly")
		}
	}

	resp, err = client.PostForm(srv.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, resp); strings.Contains(page, "Signed in as") {
		t.Error("still signed in after logout")
	}
}

func TestDemoRejectsBadLogin(t *testing.T) {
	srv, client := newTestServer(t)
	for _, form := range []url.Values{
		{"name": {""}, "role": {"user"}},
		{"name": {"Bob"}, "role": {"root"}},
		{"name": {strings.Repeat("x", 65)}, "role": {"user"}},
	} {
		resp, err := client.PostForm(srv.URL+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		if page := body(t, resp); resp.StatusCode != http.StatusBadRequest || strings.Contains(page, "Signed in as") {
			t.Errorf("form %v: got status %d", form, resp.StatusCode)
		}
	}
}
