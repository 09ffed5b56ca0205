package main

import (
	"crypto/rand"
	"log/slog"
	"os"
	"strings"
	"testing"

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

func TestDemoRedisStore(t *testing.T) {
	addr := os.Getenv("AUTHSESSION_REDIS_ADDR")
	if addr == "" {
		testenv.Missing(t, "a Redis server", "set AUTHSESSION_REDIS_ADDR=host:port")
	}
	store, closeStore, err := newRedisStore("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore() })
	// The server may be shared: names unique to this run.
	testStoreFlow(t, store, rand.Text()[:8])
}

func TestNewRedisStoreErrors(t *testing.T) {
	tests := []struct{ name, url string }{
		{"not a URL", "::"},
		{"wrong scheme", "http://127.0.0.1:6379"},
		{"nothing listening", "redis://127.0.0.1:1/0"},
		{"password not leaked", "redis://:hunter2-secret@127.0.0.1:1/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, closeStore, err := newRedisStore(tt.url)
			defer closeStore()
			if err == nil {
				t.Fatal("got no error")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error contains the password: %v", err)
			}
		})
	}
}
