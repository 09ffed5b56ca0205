package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

func TestDemoMemoryStore(t *testing.T) {
	testStoreFlow(t, authsession.NewMemoryStore(authsession.MemoryStoreOptions{}), "")
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

// TestDemoDeviceListBounded: however often one user signs in, the session
// page lists at most the store's per-user cap of devices, and the newest
// sign-in is among them.
func TestDemoDeviceListBounded(t *testing.T) {
	store := authsession.NewMemoryStore(authsession.MemoryStoreOptions{})
	// More sign-ins from one address than the default limit allows.
	srv := newTestServer(t, options{Store: store, StoreName: "test", SignInLimit: signInLimit{Burst: 100, Per: time.Minute}})
	var last *http.Client
	for range authsession.DefaultMaxSessionsPerUser + 15 {
		last = newClient(t)
		signIn(t, last, srv.URL, "Flo", "user")
	}
	_, page := get(t, last, srv.URL+"/dashboard/session")
	if got, want := strings.Count(page, `<tr class="device">`), authsession.DefaultMaxSessionsPerUser; got != want {
		t.Errorf("devices listed: got %d, want %d", got, want)
	}
	if !strings.Contains(page, "this device") {
		t.Errorf("the newest sign-in is not in the list")
	}
}
