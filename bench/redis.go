package bench

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	scsredis "github.com/alexedwards/scs/redisstore"
	"github.com/authsession/authsession/redisstore"
	redigo "github.com/gomodule/redigo/redis"
	"github.com/redis/go-redis/v9"
)

// RedisSites are the library in server storage on redisstore (go-redis)
// and scs on its redisstore (redigo), both on the redis-server at
// $AUTHSESSION_REDIS_ADDR under prefixes of their own, each signed in
// once, with the writes of the library's connections counted (one per
// round trip).
type RedisSites struct {
	Lib, SCS *Site
	writes   atomic.Int64
	close    func()
}

// NewRedisSites connects both libraries to the redis-server.
func NewRedisSites() (*RedisSites, error) {
	addr, err := redisAddr()
	if err != nil {
		return nil, err
	}
	rs := &RedisSites{}
	rdb := redis.NewClient(&redis.Options{Addr: addr, Dialer: func(ctx context.Context, _, addr string) (net.Conn, error) {
		return dialCounting(ctx, addr, &rs.writes)
	}})
	pool := &redigo.Pool{MaxIdle: 8, IdleTimeout: time.Minute, Dial: func() (redigo.Conn, error) {
		return redigo.Dial("tcp", addr)
	}}
	rs.close = func() { rdb.Close(); pool.Close() }
	prefix := fmt.Sprintf("bench-%d:", time.Now().UnixNano())
	if rs.Lib, err = NewServerSite(redisstore.New(rdb, redisstore.Options{Prefix: prefix})); err != nil {
		rs.close()
		return nil, fmt.Errorf("redisstore on %s: %w", addr, err)
	}
	if rs.SCS, err = NewSCSSite(scsredis.NewWithPrefix(pool, prefix+"scs:")); err != nil {
		rs.close()
		return nil, fmt.Errorf("scs redisstore on %s: %w", addr, err)
	}
	return rs, nil
}

// RoundTrips is the number of the library's round trips to Redis per
// call of f, over n calls.
func (rs *RedisSites) RoundTrips(f func() error, n int) (float64, error) {
	before := rs.writes.Load()
	for range n {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return float64(rs.writes.Load()-before) / float64(n), nil
}

// Close closes both clients.
func (rs *RedisSites) Close() { rs.close() }
