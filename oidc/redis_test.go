package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/oidc"
	"github.com/authsession/authsession/oidc/storetest"
	"github.com/authsession/authsession/redisstore"
)

// The Redis deployments the tests use, as for the redisstore module:
// scripts/steps/30-redis.sh and 50-oidc.sh start them.
const (
	redisAddrEnv    = "AUTHSESSION_REDIS_ADDR"
	redisClusterEnv = "AUTHSESSION_REDIS_CLUSTER_ADDRS"
)

// redisConnect returns a client to the Redis server ("single") or Redis
// Cluster ("cluster"), closed when the test ends.
func redisConnect(t testing.TB, kind string) redis.UniversalClient {
	t.Helper()
	var rdb redis.UniversalClient
	if kind == "single" {
		addr := os.Getenv(redisAddrEnv)
		if addr == "" {
			testenv.Missing(t, "a Redis server", "set "+redisAddrEnv+" to host:port of a redis-server, or run scripts/test")
		}
		rdb = redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	} else {
		addrs := os.Getenv(redisClusterEnv)
		if addrs == "" {
			testenv.Missing(t, "a Redis Cluster", "set "+redisClusterEnv+" to host:port,… of its masters, or run scripts/test")
		}
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ","), ContextTimeoutEnabled: true})
	}
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis (%s): %v", kind, err)
	}
	return rdb
}

// redisPrefix is a key prefix no other test uses.
func redisPrefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "test:" + hex.EncodeToString(b) + ":"
}

// TestOIDCStoreRedis: redisstore's OIDCStore passes the conformance suite
// on a Redis server and on a Redis Cluster.
func TestOIDCStoreRedis(t *testing.T) {
	var _ oidc.Store = (*redisstore.OIDCStore)(nil)
	for _, kind := range []string{"single", "cluster"} {
		t.Run(kind, func(t *testing.T) {
			rdb := redisConnect(t, kind)
			storetest.Run(t, func(t *testing.T) oidc.Store {
				return redisstore.NewOIDCStore(rdb, redisstore.OIDCOptions{Prefix: redisPrefix()})
			})
		})
	}
}
