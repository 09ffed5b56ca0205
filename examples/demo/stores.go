package main

import (
	"errors"
	"fmt"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// demoMaxSessions bounds the demo's memory store: a visitor's session
// gives way to a sign-in when it is full (memstore.Options.MaxSessions).
const demoMaxSessions = 10_000

// errBadStore reports an unknown SESSION_STORE value.
var errBadStore = errors.New(`demo: SESSION_STORE must be "memory" or empty`)

// loadStore returns the session store the environment names (REDIS_URL,
// REDIS_CLUSTER_ADDRS, DATABASE_URL, SESSION_STORE=memory), its name for
// the admin page, and a function that releases its connections; no store
// (nil, "") keeps sessions stateless.
func loadStore(getenv func(string) string) (store authsession.Store, name string, close func() error, err error) {
	close = noClose
	if db := getenv("DATABASE_URL"); db != "" {
		if getenv("REDIS_URL") != "" || getenv("REDIS_CLUSTER_ADDRS") != "" || getenv("SESSION_STORE") != "" {
			return nil, "", close, errors.New("demo: DATABASE_URL and another store are set; unset one")
		}
		store, close, err = newPostgresStore(db)
		return store, "postgres", close, err
	}
	switch url, cluster, kind := getenv("REDIS_URL"), getenv("REDIS_CLUSTER_ADDRS"), getenv("SESSION_STORE"); {
	case url != "" && cluster != "":
		return nil, "", close, errors.New("demo: both REDIS_URL and REDIS_CLUSTER_ADDRS are set; unset one")
	case url != "" || cluster != "":
		if kind != "" && kind != "redis" {
			return nil, "", close, fmt.Errorf("demo: both a Redis address and SESSION_STORE=%q are set; unset one", kind)
		}
		if cluster != "" {
			store, close, err = newRedisClusterStore(cluster)
			return store, "redis cluster", close, err
		}
		store, close, err = newRedisStore(url)
		return store, "redis", close, err
	case kind == "memory":
		return memstore.New(memstore.Options{MaxSessions: demoMaxSessions}), "memory", close, nil
	case kind == "" || kind == "none" || kind == "stateless":
		return nil, "", close, nil
	default:
		return nil, "", close, fmt.Errorf("%w, got %q (set REDIS_URL or REDIS_CLUSTER_ADDRS for Redis)", errBadStore, kind)
	}
}

// errBadStorage reports an unknown SESSION_STORAGE value.
var errBadStorage = errors.New(`demo: SESSION_STORAGE must be "cookie", "server" or empty`)

// parseStorage reads SESSION_STORAGE: "cookie" (the default: the session
// is the encrypted cookie) or "server" (the session is in the store, the
// cookie holds its id).
func parseStorage(v string) (authsession.Storage, error) {
	switch v {
	case "", "cookie":
		return authsession.StorageCookie, nil
	case "server":
		return authsession.StorageServer, nil
	}
	return 0, fmt.Errorf("%w, got %q", errBadStorage, v)
}
