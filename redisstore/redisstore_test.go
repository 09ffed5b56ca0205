package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/redisstore"
	"github.com/authsession/authsession/storetest"
	"github.com/redis/go-redis/v9"
)

// AddrEnv names the Redis server the tests use; scripts/steps/30-redis.sh
// starts one and sets it.
const AddrEnv = "AUTHSESSION_REDIS_ADDR"

// ClusterEnv names the Redis Cluster the cluster tests use (comma-separated
// host:port of its masters); scripts/steps/30-redis.sh starts one of three
// masters and sets it.
const ClusterEnv = "AUTHSESSION_REDIS_CLUSTER_ADDRS"

const secret = "redis-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// kinds are the Redis deployments a test can run against.
var kinds = []string{"single", "cluster"}

// connect returns a new client to the deployment kind, closed when the test
// ends; it skips (or fails, under AUTHSESSION_REQUIRE_SERVICES) when the
// deployment is not configured. Every client honours context deadlines.
func connect(t testing.TB, kind string) redis.UniversalClient {
	t.Helper()
	var rdb redis.UniversalClient
	switch kind {
	case "single":
		addr := os.Getenv(AddrEnv)
		if addr == "" {
			testenv.Missing(t, "a Redis server", "set "+AddrEnv+" to host:port of a redis-server, or run scripts/test")
		}
		rdb = redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	case "cluster":
		addrs := os.Getenv(ClusterEnv)
		if addrs == "" {
			testenv.Missing(t, "a Redis Cluster", "set "+ClusterEnv+" to host:port,host:port,… of its masters, or run scripts/test")
		}
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ","), ContextTimeoutEnabled: true})
	default:
		t.Fatalf("unknown Redis deployment %q", kind)
	}
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis (%s): %v", kind, err)
	}
	return rdb
}

// redisClient is a client to the single server.
func redisClient(t testing.TB) *redis.Client { return connect(t, "single").(*redis.Client) }

// prefix returns a key prefix no other test uses.
func prefix(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "test:" + hex.EncodeToString(b) + ":"
}

func TestConformance(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			rdb := connect(t, kind)
			storetest.Run(t, func(t *testing.T, o storetest.Options) authsession.Store {
				return redisstore.New(rdb, redisstore.Options{Prefix: prefix(t), Now: o.Now, MaxSessionsPerUser: o.MaxSessionsPerUser})
			})
		})
	}
}

// TestKeysShareASlot checks on the cluster that every script runs in one
// slot (a script over keys of two slots fails with CROSSSLOT): all keys of
// an owner, hostile owners included, and an anonymous session's key,
// whatever braces the prefix, the owner or the id hold.
func TestKeysShareASlot(t *testing.T) {
	rdb := connect(t, "cluster")
	ctx := context.Background()
	now := time.Now()
	for _, pfx := range []string{prefix(t), "{app}:", "a{", "}b{c"} {
		s := redisstore.New(rdb, redisstore.Options{Prefix: pfx})
		for _, owner := range []string{"o_1", "{", "}", "{x}", "}{", "a}b{c", "%7B", strings.Repeat("y", 1000), ""} {
			for _, id := range []string{"id}{", "{a}", "plain"} {
				rec := storetest.Record(id, owner, now, time.Minute)
				if err := s.Create(ctx, rec); err != nil {
					t.Errorf("prefix %q, owner %.20q, id %q: Create: %v", pfx, owner, id, err)
				}
				touch := authsession.Touch{Before: now.Add(time.Second), Seen: now.Add(time.Second), ExpiresAt: now.Add(time.Hour)}
				if _, found, err := s.Get(ctx, owner, id, touch); !found || err != nil {
					t.Errorf("prefix %q, owner %.20q, id %q: Get with a touch: got %v, %v", pfx, owner, id, found, err)
				}
				rec.Generation, rec.Data = 2, []byte("data")
				if ok, err := s.Save(ctx, rec, 1); !ok || err != nil {
					t.Errorf("prefix %q, owner %.20q, id %q: Save: got %v, %v", pfx, owner, id, ok, err)
				}
			}
			if owner == "" {
				if err := s.Revoke(ctx, owner, "{a}"); err != nil {
					t.Errorf("prefix %q: Revoke of an anonymous session: %v", pfx, err)
				}
				continue
			}
			if err := s.Revoke(ctx, owner, "plain"); err != nil {
				t.Errorf("prefix %q, owner %.20q: Revoke: %v", pfx, owner, err)
			}
			if recs, err := s.ListUser(ctx, owner); err != nil || len(recs) != 2 {
				t.Errorf("prefix %q, owner %.20q: ListUser: got %d, %v, want 2", pfx, owner, len(recs), err)
			}
			if n, err := s.RevokeUser(ctx, owner); n != 2 || err != nil {
				t.Errorf("prefix %q, owner %.20q: RevokeUser: got %d, %v, want 2", pfx, owner, n, err)
			}
		}
	}
}

// TestKeysExpireWithTheSession checks the TTLs that Redis holds: a session
// key lives as long as the session, a user's index as long as their longest
// session.
func TestKeysExpireWithTheSession(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	p := prefix(t)
	s := redisstore.New(rdb, redisstore.Options{Prefix: p})
	now := time.Now()
	ttl := func(key string) time.Duration {
		t.Helper()
		d, err := rdb.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	near := func(got, want time.Duration) bool { return got <= want && got > want-5*time.Second }
	touchOf := func(owner string) func(id string, exp time.Time) error {
		return func(id string, exp time.Time) error {
			_, _, err := s.Get(ctx, owner, id, authsession.Touch{Before: exp, Seen: now, ExpiresAt: exp})
			return err
		}
	}
	touch, touch2 := touchOf("u"), touchOf("")
	steps := []struct {
		name            string
		do              func() error
		key             string
		wantSessionTTL  time.Duration
		wantIndexTTL    time.Duration
		wantIndexLength int64
	}{
		{"create 1h", func() error { return s.Create(ctx, storetest.Record("a", "u", now, time.Hour)) }, "a", time.Hour, time.Hour, 1},
		{"create 2h extends the index", func() error { return s.Create(ctx, storetest.Record("b", "u", now, 2*time.Hour)) }, "b", 2 * time.Hour, 2 * time.Hour, 2},
		{"create 30m keeps the index", func() error { return s.Create(ctx, storetest.Record("c", "u", now, 30*time.Minute)) }, "c", 30 * time.Minute, 2 * time.Hour, 3},
		{"touch to 3h extends both", func() error { return touch("c", now.Add(3*time.Hour)) }, "c", 3 * time.Hour, 3 * time.Hour, 3},
		{"save to 4h extends both", func() error {
			_, err := s.Save(ctx, storetest.Record("c", "u", now, 4*time.Hour), 1)
			return err
		}, "c", 4 * time.Hour, 4 * time.Hour, 3},
		{"revoke removes key and member", func() error { return s.Revoke(ctx, "u", "a") }, "a", -2 * time.Nanosecond, 4 * time.Hour, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			got := ttl(p + "s:{u}:" + st.key)
			if st.wantSessionTTL < 0 {
				if got != st.wantSessionTTL {
					t.Errorf("session key TTL: got %v, want %v (no key)", got, st.wantSessionTTL)
				}
			} else if !near(got, st.wantSessionTTL) {
				t.Errorf("session key TTL: got %v, want about %v", got, st.wantSessionTTL)
			}
			if got := ttl(p + "u:{u}"); !near(got, st.wantIndexTTL) {
				t.Errorf("index TTL: got %v, want about %v", got, st.wantIndexTTL)
			}
			if got, _ := rdb.ZCard(ctx, p+"u:{u}").Result(); got != st.wantIndexLength {
				t.Errorf("index length: got %d, want %d", got, st.wantIndexLength)
			}
		})
	}
	if n, err := s.RevokeUser(ctx, "u"); n != 2 || err != nil {
		t.Fatalf("RevokeUser: got %d, %v, want 2, nil", n, err)
	}
	// An anonymous session is one key, a:{id}, with the session's TTL.
	anon := []struct {
		name string
		do   func() error
		want time.Duration
	}{
		{"create 1h", func() error { return s.Create(ctx, storetest.Record("x", "", now, time.Hour)) }, time.Hour},
		{"touch to 2h", func() error { return touch2("x", now.Add(2*time.Hour)) }, 2 * time.Hour},
		{"save to 3h", func() error {
			_, err := s.Save(ctx, storetest.Record("x", "", now, 3*time.Hour), 1)
			return err
		}, 3 * time.Hour},
	}
	for _, st := range anon {
		if err := st.do(); err != nil {
			t.Fatalf("anonymous, %s: %v", st.name, err)
		}
		if got := ttl(p + "a:{x}"); !near(got, st.want) {
			t.Errorf("anonymous, %s: TTL %v, want about %v", st.name, got, st.want)
		}
	}
	for _, k := range []string{p + "s:{u}:b", p + "s:{u}:c", p + "u:{u}"} {
		if n, _ := rdb.Exists(ctx, k).Result(); n != 0 {
			t.Errorf("after RevokeUser: key %s still exists", k)
		}
	}
}

// TestIndexStaysSmall: a flood of sign-ins, expired sessions and sessions
// deleted behind the store's back never leave more than the cap of ids in
// a user's index, so listing stays one short script.
func TestIndexStaysSmall(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	p := prefix(t)
	clk := testclock.New(time.UnixMilli(time.Now().UnixMilli()))
	s := redisstore.New(rdb, redisstore.Options{Prefix: p, Now: clk.Now, MaxSessionsPerUser: 5})
	for i := range 200 {
		if err := s.Create(ctx, storetest.Record(strconv.Itoa(i), "u", clk.Now(), time.Duration(1+i%7)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 && i < 199 {
			clk.Add(10 * time.Minute) // everything so far has expired
		}
		if n, _ := rdb.ZCard(ctx, p+"u:{u}").Result(); n > 5 {
			t.Fatalf("after %d sign-ins: index holds %d ids, want at most 5", i+1, n)
		}
	}
	// A session key deleted outside the store (eviction, a flush) leaves
	// an index entry: listing drops it.
	rdb.Del(ctx, p+"s:{u}:199")
	recs, err := s.ListUser(ctx, "u")
	if err != nil || len(recs) != 4 {
		t.Fatalf("ListUser: got %d, %v, want 4", len(recs), err)
	}
	if n, _ := rdb.ZCard(ctx, p+"u:{u}").Result(); n != 4 {
		t.Errorf("index after listing: got %d ids, want 4", n)
	}
}

func TestPrefixesIsolate(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	p := prefix(t)
	a := redisstore.New(rdb, redisstore.Options{Prefix: p + "a:"})
	b := redisstore.New(rdb, redisstore.Options{Prefix: p + "b:"})
	if err := a.Create(ctx, storetest.Record("x", "u", time.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.Get(ctx, "u", "x", authsession.Touch{}); found {
		t.Errorf("store b sees store a's session")
	}
	if n, _ := b.RevokeUser(ctx, "u"); n != 0 {
		t.Errorf("store b revoked %d of store a's sessions, want 0", n)
	}
	if _, found, _ := a.Get(ctx, "u", "x", authsession.Touch{}); !found {
		t.Errorf("store a lost its session")
	}
	if n, _ := rdb.Exists(ctx, p+"a:s:{u}:x").Result(); n != 1 {
		t.Errorf("key %q: got missing, want present", p+"a:s:{u}:x")
	}
}

func TestCorruptRecord(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	p := prefix(t)
	s := redisstore.New(rdb, redisstore.Options{Prefix: p})
	tests := []struct {
		name   string
		fields []any
	}{
		{"bad number", []any{"uid", "u", "c", "x", "ls", "1", "exp", "1"}},
		{"missing user", []any{"c", "1", "ls", "1", "exp", "99999999999999"}},
		{"missing expiry", []any{"uid", "u", "c", "1", "ls", "1"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := strconv.Itoa(i)
			if err := rdb.HSet(ctx, p+"s:{u}:"+id, tt.fields...).Err(); err != nil {
				t.Fatal(err)
			}
			rdb.Expire(ctx, p+"s:{u}:"+id, time.Minute)
			_, found, err := s.Get(ctx, "u", id, authsession.Touch{})
			if found || !errors.Is(err, redisstore.ErrCorrupt) {
				t.Errorf("Get: got found=%v err=%v, want false, ErrCorrupt", found, err)
			}
		})
	}
}
