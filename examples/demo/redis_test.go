package main

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
)

func TestDemoRedisClusterStore(t *testing.T) {
	addrs := os.Getenv("AUTHSESSION_REDIS_CLUSTER_ADDRS")
	if addrs == "" {
		testenv.Missing(t, "a Redis Cluster", "set AUTHSESSION_REDIS_CLUSTER_ADDRS=host:port,host:port,…")
	}
	store, closeStore, err := newRedisClusterStore(addrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore() })
	testStoreFlow(t, store, rand.Text()[:8])
}

func TestNewRedisClusterStoreErrors(t *testing.T) {
	tests := []struct{ name, addrs string }{
		{"empty", " , ,"},
		{"not host:port", "127.0.0.1"},
		{"a URL", "redis://127.0.0.1:7000"},
		{"nothing listening", "127.0.0.1:1,127.0.0.1:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, closeStore, err := newRedisClusterStore(tt.addrs)
			defer closeStore()
			if err == nil {
				t.Fatal("got no error")
			}
		})
	}
}

func TestLoadOptionsRedis(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name string
		env  map[string]string
		want string // in the error
	}{
		{"URL and cluster", map[string]string{"REDIS_URL": "redis://127.0.0.1:1", "REDIS_CLUSTER_ADDRS": "127.0.0.1:1"}, "both REDIS_URL and REDIS_CLUSTER_ADDRS"},
		{"cluster and memory", map[string]string{"REDIS_CLUSTER_ADDRS": "127.0.0.1:1", "SESSION_STORE": "memory"}, `SESSION_STORE="memory"`},
		{"cluster not answering", map[string]string{"REDIS_CLUSTER_ADDRS": "127.0.0.1:1"}, "does not answer"},
		{"bad cluster list", map[string]string{"REDIS_CLUSTER_ADDRS": "nope"}, "REDIS_CLUSTER_ADDRS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, closeStore, err := loadOptions(func(k string) string { return tt.env[k] }, log)
			defer closeStore()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if addrs := os.Getenv("AUTHSESSION_REDIS_CLUSTER_ADDRS"); addrs != "" {
		o, closeStore, err := loadOptions(func(k string) string {
			return map[string]string{"REDIS_CLUSTER_ADDRS": addrs, "SESSION_STORE": "redis"}[k]
		}, log)
		defer closeStore()
		if err != nil || o.Store == nil || o.StoreName != "redis cluster" {
			t.Errorf("REDIS_CLUSTER_ADDRS: got %q, %v, want a redis cluster store", o.StoreName, err)
		}
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

// TestDemoDeviceListBounded: however often one user signs in, the session
// page lists at most the store's per-user cap of devices, and the newest
// sign-in is among them.
func TestDemoDeviceListBounded(t *testing.T) {
	store := authsession.NewMemoryStore(authsession.MemoryStoreOptions{})
	srv := newTestServer(t, options{Store: store, StoreName: "test"})
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
