package main

import (
	"errors"
	"fmt"

	"github.com/authsession/authsession"
)

// errBadStore reports an unknown SESSION_STORE value.
var errBadStore = errors.New(`demo: SESSION_STORE must be "memory" or empty`)

// loadStore returns the session store the environment names (REDIS_URL,
// REDIS_CLUSTER_ADDRS, SESSION_STORE=memory), its name for the admin page,
// and a function that releases its connections; no store (nil, "") keeps
// sessions stateless.
func loadStore(getenv func(string) string) (store authsession.Store, name string, close func() error, err error) {
	close = noClose
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
		return authsession.NewMemoryStore(authsession.MemoryStoreOptions{MaxSessions: 10_000}), "memory", close, nil
	case kind == "" || kind == "none" || kind == "stateless":
		return nil, "", close, nil
	default:
		return nil, "", close, fmt.Errorf("%w, got %q (set REDIS_URL or REDIS_CLUSTER_ADDRS for Redis)", errBadStore, kind)
	}
}
