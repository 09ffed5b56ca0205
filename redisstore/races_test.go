package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
	"github.com/authsession/authsession/storetest"
	"github.com/redis/go-redis/v9"
)

// twoStores returns two stores on one deployment kind and prefix, each
// with its own client, as two instances of an application have.
func twoStores(t *testing.T, kind string) (*redisstore.Store, *redisstore.Store) {
	t.Helper()
	pfx := prefix(t)
	return redisstore.New(connect(t, kind), redisstore.Options{Prefix: pfx}), redisstore.New(connect(t, kind), redisstore.Options{Prefix: pfx})
}

// TestInstances runs the conformance suite's checks for two instances
// (storetest.RunInstances: one session, racing saves, a revocation racing
// saves), signed-in and anonymous, on one Redis and on a cluster.
func TestInstances(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			storetest.RunInstances(t, func(t *testing.T) (authsession.Store, authsession.Store) { return twoStores(t, kind) })
		})
	}
}

// commandCounter is a go-redis hook counting the commands a client
// sends, each a round trip here (no pipelines).
type commandCounter struct{ n atomic.Int64 }

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}
func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestOneCommandPerCall: once the scripts are loaded, a session check
// (with or without a due touch), a save and a revocation are each one
// command, one round trip, on one Redis and on a cluster. (A revocation
// that waits for replicas adds ROLE, pipelined with it, and WAIT when the
// master has replicas: TestRevocationsWaitForReplicas; so this store does
// not wait.)
func TestOneCommandPerCall(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			rdb := connect(t, kind)
			var c commandCounter
			rdb.AddHook(&c)
			s := redisstore.New(rdb, redisstore.Options{Prefix: prefix(t), WaitReplicas: redisstore.NoWait})
			ctx := context.Background()
			now := time.Now()
			for _, owner := range []string{"o1", ""} {
				calls := []struct {
					name string
					call func() (bool, error)
				}{
					{"Get", func() (bool, error) {
						_, found, err := s.Get(ctx, owner, "s", authsession.Touch{})
						return found, err
					}},
					{"Get, touch due", func() (bool, error) {
						now = now.Add(time.Minute)
						_, found, err := s.Get(ctx, owner, "s", authsession.Touch{Before: now, Seen: now, ExpiresAt: now.Add(time.Hour)})
						return found, err
					}},
					{"Save", func() (bool, error) {
						return s.Save(ctx, storetest.Record("s", owner, now, time.Hour), 1)
					}},
					{"Revoke", func() (bool, error) { return true, s.Revoke(ctx, owner, "s") }},
				}
				for round := range 2 { // the first round loads the scripts
					if err := s.Create(ctx, storetest.Record("s", owner, now, time.Hour)); err != nil {
						t.Fatal(err)
					}
					for _, tt := range calls {
						c.n.Store(0)
						if ok, err := tt.call(); !ok || err != nil {
							t.Fatalf("owner %q, %s: got %v, %v", owner, tt.name, ok, err)
						}
						if n := c.n.Load(); round == 1 && n != 1 {
							t.Errorf("owner %q, %s: %d commands, want 1", owner, tt.name, n)
						}
					}
				}
			}
		})
	}
}
