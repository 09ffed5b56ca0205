package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
	"github.com/redis/go-redis/v9"
)

// newRedisStore connects to the Redis server at url (redis://host:port/db)
// and checks that it answers. The URL's password never reaches an error
// message.
func newRedisStore(url string) (authsession.Store, func() error, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, noClose, fmt.Errorf("demo: REDIS_URL is not a valid redis:// URL")
	}
	opt.ContextTimeoutEnabled = true // Config.StoreTimeout bounds every call
	return connectRedis(redis.NewClient(opt), opt.Addr)
}

// newRedisClusterStore connects to the Redis Cluster whose nodes addrs
// lists (comma-separated host:port; one reachable node is enough) and
// checks that it answers.
func newRedisClusterStore(addrs string) (authsession.Store, func() error, error) {
	var nodes []string
	for _, a := range strings.Split(addrs, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, noClose, fmt.Errorf("demo: REDIS_CLUSTER_ADDRS: %q is not host:port", a)
		}
		nodes = append(nodes, a)
	}
	if len(nodes) == 0 {
		return nil, noClose, fmt.Errorf("demo: REDIS_CLUSTER_ADDRS lists no host:port")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: nodes, ContextTimeoutEnabled: true})
	return connectRedis(rdb, strings.Join(nodes, ","))
}

func connectRedis(rdb redis.UniversalClient, where string) (authsession.Store, func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, noClose, fmt.Errorf("demo: Redis at %s does not answer: %w", where, err)
	}
	return redisstore.New(rdb, redisstore.Options{Prefix: "authsession-demo:"}), rdb.Close, nil
}

func noClose() error { return nil }
