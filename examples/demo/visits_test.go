package main

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/memstore"
)

// visitsText is GET /visits' answer after n visits: next-session's README
// example, word for word.
func visitsText(n int) string {
	return "In this session, you have visited this website " + strconv.Itoa(n) + " time(s)."
}

// visitsFlow counts a visitor's visits through sign-in and sign-out on
// srv: the count goes on across the sign-in and starts again after the
// sign-out; every answer is plain text, never cached.
func visitsFlow(t *testing.T, base string) {
	t.Helper()
	c := newClient(t)
	visit := func(path string, want int) {
		t.Helper()
		resp, got := get(t, c, base+path)
		if resp.StatusCode != http.StatusOK || got != visitsText(want) {
			t.Fatalf("GET %s: got %d %q, want %q", path, resp.StatusCode, got, visitsText(want))
		}
		if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); !strings.HasPrefix(ct, "text/plain") || cc != "no-store" {
			t.Errorf("GET %s: Content-Type %q, Cache-Control %q", path, ct, cc)
		}
	}
	for i := 1; i <= 3; i++ {
		visit("/visits", i)
	}
	signIn(t, c, base, "Ann", "user")
	visit("/visits", 4)
	visit("/en/visits", 5)
	if resp, _ := post(t, c, base+"/logout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: got %d", resp.StatusCode)
	}
	visit("/visits", 1)
}

// TestDemoVisits: GET /visits in every storage mode the demo has, on the
// memory store here and on Redis and Redis Cluster when they are set.
func TestDemoVisits(t *testing.T) {
	modes := []struct {
		name    string
		storage authsession.Storage
		store   func(t *testing.T) authsession.Store
	}{
		{"cookie, stateless", authsession.StorageCookie, func(*testing.T) authsession.Store { return nil }},
		{"cookie, memory", authsession.StorageCookie, memoryStore},
		{"server, memory", authsession.StorageServer, memoryStore},
		{"server, redis", authsession.StorageServer, redisStore},
		{"server, redis cluster", authsession.StorageServer, redisClusterStore},
		{"server, postgres", authsession.StorageServer, postgresStore},
		{"cookie, postgres", authsession.StorageCookie, postgresStore},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := newTestServer(t, options{Storage: m.storage, Store: m.store(t), StoreName: m.name})
			visitsFlow(t, srv.URL)
		})
	}
}

func memoryStore(*testing.T) authsession.Store { return memstore.New(memstore.Options{}) }

func redisStore(t *testing.T) authsession.Store {
	addr := os.Getenv("AUTHSESSION_REDIS_ADDR")
	if addr == "" {
		testenv.Missing(t, "a Redis server", "set AUTHSESSION_REDIS_ADDR=host:port")
	}
	store, closeStore, err := newRedisStore("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore() })
	return store
}

func redisClusterStore(t *testing.T) authsession.Store {
	addrs := os.Getenv("AUTHSESSION_REDIS_CLUSTER_ADDRS")
	if addrs == "" {
		testenv.Missing(t, "a Redis Cluster", "set AUTHSESSION_REDIS_CLUSTER_ADDRS=host:port,host:port,…")
	}
	store, closeStore, err := newRedisClusterStore(addrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore() })
	return store
}

func postgresStore(t *testing.T) authsession.Store {
	url := os.Getenv("AUTHSESSION_POSTGRES_URL")
	if url == "" {
		testenv.Missing(t, "a PostgreSQL server", "set AUTHSESSION_POSTGRES_URL=postgres://user@host:port/db")
	}
	store, closeStore, err := newPostgresStore(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore() })
	return store
}

// TestDemoServerStorageCookie: with SESSION_STORAGE=server the cookie is a
// short sealed id, whatever the session holds.
func TestDemoServerStorageCookie(t *testing.T) {
	srv := newTestServer(t, options{Storage: authsession.StorageServer, Store: memstore.New(memstore.Options{}), StoreName: "memory"})
	c := newClient(t)
	signIn(t, c, srv.URL, "Ann "+rand.Text(), "admin")
	if ck := sessionCookie(t, c, srv.URL); ck == nil || len(ck.Value) > 200 || strings.Contains(ck.Value, ".") {
		t.Errorf("server storage cookie: got %v, want a sealed id of at most 200 characters", ck)
	}
}

func TestLoadOptionsStorage(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		env       map[string]string
		storage   authsession.Storage
		storeName string
		err       error
	}{
		{map[string]string{}, authsession.StorageCookie, "", nil},
		{map[string]string{"SESSION_STORAGE": "cookie"}, authsession.StorageCookie, "", nil},
		{map[string]string{"SESSION_STORAGE": "server"}, authsession.StorageServer, "memory", nil},
		{map[string]string{"SESSION_STORAGE": "server", "SESSION_STORE": "memory"}, authsession.StorageServer, "memory", nil},
		{map[string]string{"SESSION_STORAGE": "disk"}, 0, "", errBadStorage},
		{map[string]string{"SESSION_STORAGE": "server", "SESSION_STORE": "disk"}, 0, "", errBadStore},
		{map[string]string{"DATABASE_URL": "mysql://db"}, 0, "", errAny},
		{map[string]string{"DATABASE_URL": "postgres://u:secret@127.0.0.1:1/db"}, 0, "", errAny},
		{map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/db", "SESSION_STORE": "memory"}, 0, "", errAny},
	}
	for _, tt := range tests {
		o, closeStore, err := loadOptions(func(k string) string { return tt.env[k] }, log)
		closeStore()
		if tt.err != nil {
			if err == nil || tt.err != errAny && !errors.Is(err, tt.err) || strings.Contains(err.Error(), "secret") {
				t.Errorf("%v: got %v, want %v (never the URL's password)", tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || o.Storage != tt.storage || o.StoreName != tt.storeName || (o.Store != nil) != (tt.storeName != "") {
			t.Errorf("%v: got storage %v, store %q (%v), want %v, %q", tt.env, o.Storage, o.StoreName, err, tt.storage, tt.storeName)
		}
	}
}
