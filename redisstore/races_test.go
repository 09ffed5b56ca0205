package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
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

// increment reads the counter in the session's data and saves it plus
// one over the generation it read, until a save lands; it fails when the
// session is gone.
func increment(ctx context.Context, s authsession.Store, owner, id string) error {
	for {
		rec, found, err := s.Get(ctx, owner, id, authsession.Touch{})
		if err != nil || !found {
			return fmt.Errorf("get: found=%v err=%v", found, err)
		}
		n, err := strconv.Atoi(string(rec.Data))
		if err != nil {
			return err
		}
		prev := rec.Generation
		rec.Data, rec.Generation = []byte(strconv.Itoa(n+1)), prev+1
		if ok, err := s.Save(ctx, rec, prev); ok || err != nil {
			return err
		}
	}
}

// TestTwoInstancesOneSession: what one instance writes, the other reads;
// a save based on what an instance read before the other's save is
// refused; a revocation on one ends the session for both. Signed-in and
// anonymous, on one Redis and on a cluster.
func TestTwoInstancesOneSession(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			a, b := twoStores(t, kind)
			ctx := context.Background()
			for _, owner := range []string{"o1", ""} {
				rec := storetest.Record("s", owner, time.Now(), time.Hour)
				rec.Data = []byte("v1")
				if err := a.Create(ctx, rec); err != nil {
					t.Fatal(err)
				}
				read, found, err := b.Get(ctx, owner, "s", authsession.Touch{})
				if err != nil || !found || string(read.Data) != "v1" {
					t.Fatalf("owner %q: the other instance read %q (found=%v, %v), want v1", owner, read.Data, found, err)
				}
				stale := read
				read.Data, read.Generation = []byte("v2"), 2
				if ok, err := b.Save(ctx, read, 1); !ok || err != nil {
					t.Fatalf("owner %q: Save on the other instance: got %v, %v", owner, ok, err)
				}
				if got, _, _ := a.Get(ctx, owner, "s", authsession.Touch{}); string(got.Data) != "v2" || got.Generation != 2 {
					t.Errorf("owner %q: the first instance read %q at generation %d, want v2 at 2", owner, got.Data, got.Generation)
				}
				stale.Data, stale.Generation = []byte("lost update"), 2
				if ok, err := a.Save(ctx, stale, 1); ok || err != nil {
					t.Errorf("owner %q: a save over the generation the other instance replaced: got %v, %v, want false", owner, ok, err)
				}
				if err := a.Revoke(ctx, owner, "s"); err != nil {
					t.Fatal(err)
				}
				if _, found, _ := b.Get(ctx, owner, "s", authsession.Touch{}); found {
					t.Errorf("owner %q: the other instance still finds the revoked session", owner)
				}
			}
		})
	}
}

// TestSavesRaceAcrossInstances: workers on two instances increment one
// session's counter at once, each saving over the generation it read. No
// increment is lost: the first save over a generation wins, the others
// read again (compare and swap).
func TestSavesRaceAcrossInstances(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			a, b := twoStores(t, kind)
			ctx := context.Background()
			rec := storetest.Record("s", "o1", time.Now(), time.Hour)
			rec.Data = []byte("0")
			if err := a.Create(ctx, rec); err != nil {
				t.Fatal(err)
			}
			const workers, each = 8, 25
			var wg sync.WaitGroup
			for w := range workers {
				s := []*redisstore.Store{a, b}[w%2]
				wg.Go(func() {
					for range each {
						if err := increment(ctx, s, "o1", "s"); err != nil {
							t.Errorf("increment: %v", err)
							return
						}
					}
				})
			}
			wg.Wait()
			got, _, _ := a.Get(ctx, "o1", "s", authsession.Touch{})
			if string(got.Data) != strconv.Itoa(workers*each) || got.Generation != 1+workers*each {
				t.Errorf("after %d racing increments: got %q at generation %d, want %d at %d", workers*each, got.Data, got.Generation, workers*each, 1+workers*each)
			}
		})
	}
}

// TestRevokeWinsOverRacingSaves: many times over, an instance saves a
// session in a loop while the other revokes it. Once Revoke has returned,
// no save lands and the session never comes back.
func TestRevokeWinsOverRacingSaves(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			a, b := twoStores(t, kind)
			ctx := context.Background()
			for i := range 200 {
				owner := []string{"o1", ""}[i%2]
				id := fmt.Sprint("s", i)
				rec := storetest.Record(id, owner, time.Now(), time.Hour)
				rec.Data = []byte("0")
				if err := a.Create(ctx, rec); err != nil {
					t.Fatal(err)
				}
				revoked, saving := make(chan struct{}), make(chan struct{})
				var wg sync.WaitGroup
				wg.Go(func() {
					for n := 0; ; n++ {
						select {
						case <-revoked:
							if err := increment(ctx, b, owner, id); err == nil {
								t.Errorf("round %d: a save after the revocation landed", i)
							}
							return
						default:
						}
						if increment(ctx, b, owner, id) != nil {
							if n == 0 {
								t.Errorf("round %d: the first save, before the revocation, failed", i)
								close(saving)
							}
							return // the revocation came first
						}
						if n == 0 {
							close(saving) // the revocation starts while saves run
						}
					}
				})
				<-saving
				if err := a.Revoke(ctx, owner, id); err != nil {
					t.Fatal(err)
				}
				close(revoked)
				wg.Wait()
				if _, found, err := b.Get(ctx, owner, id, authsession.Touch{}); found || err != nil {
					t.Fatalf("round %d: the session came back after the revocation (found=%v, %v)", i, found, err)
				}
			}
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
