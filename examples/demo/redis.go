package main

import (
	"context"
	"fmt"
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
		return nil, func() error { return nil }, fmt.Errorf("demo: REDIS_URL is not a valid redis:// URL")
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, func() error { return nil }, fmt.Errorf("demo: Redis at %s does not answer: %w", opt.Addr, err)
	}
	return redisstore.New(rdb, redisstore.Options{Prefix: "authsession-demo:"}), rdb.Close, nil
}
