package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
	"github.com/redis/go-redis/v9"
)

// record is a live session record of owner with id, for an hour.
func record(id, owner string, generation uint64) authsession.SessionRecord {
	now := time.Now()
	return authsession.SessionRecord{ID: id, Owner: owner, UserID: "user " + owner, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour), Generation: generation}
}

// TestRevocationsWaitForReplicas runs the store on a master with one
// replica. A revocation returns once the replica has it; with the replica
// frozen (a replica that has fallen behind), Revoke (of a signed-in or an
// anonymous session), RevokeUser, a Save that ends its session and a
// cookie-storage Save that raises the generation return ErrNotReplicated
// instead of answering for a write a failover could lose, while a sign-in,
// a touching read and a save of server storage's data do not wait; NoWait
// never waits; a count above the replicas the master has always fails; a
// master without replicas is not waited for.
func TestRevocationsWaitForReplicas(t *testing.T) {
	master, replica := masterWithReplica(t)
	rdb := redis.NewClient(&redis.Options{Addr: master.addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	pfx := prefix(t)
	// Long enough for a replica on a loaded CI machine to acknowledge;
	// each of the five waits on the frozen replica below costs it.
	timeout := 500 * time.Millisecond
	store := redisstore.New(rdb, redisstore.Options{Prefix: pfx, WaitTimeout: timeout})
	noWait := redisstore.New(rdb, redisstore.Options{Prefix: pfx, WaitReplicas: redisstore.NoWait})
	two := redisstore.New(rdb, redisstore.Options{Prefix: pfx, WaitReplicas: 2, WaitTimeout: timeout})
	onReplica := func(key string) bool {
		n, err := replica.admin.Exists(ctx, pfx+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// In sync: the replica has each revocation when the call returns.
	must("Create", store.Create(ctx, record("a", "u", 1)))
	must("Revoke", store.Revoke(ctx, "u", "a"))
	if onReplica("s:{u}:a") {
		t.Error("Revoke returned before the replica had it")
	}
	must("Create", store.Create(ctx, record("b", "u", 1)))
	if _, err := store.RevokeUser(ctx, "u"); err != nil || onReplica("u:{u}") {
		t.Errorf("RevokeUser: got %v, on the replica afterwards: %v", err, onReplica("u:{u}"))
	}
	// A server that lost its scripts (SCRIPT FLUSH, a restart) is sent the
	// script in full.
	must("Create", store.Create(ctx, record("c", "u", 1)))
	must("SCRIPT FLUSH", rdb.ScriptFlush(ctx).Err())
	must("Revoke after SCRIPT FLUSH", store.Revoke(ctx, "u", "c"))
	if onReplica("s:{u}:c") {
		t.Error("Revoke after SCRIPT FLUSH returned before the replica had it")
	}
	must("Create", store.Create(ctx, record("c", "u", 1)))
	if err := two.Revoke(ctx, "u", "c"); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Errorf("WaitReplicas 2 with one replica: got %v, want ErrNotReplicated", err)
	}

	replica.freeze(t)
	must("Create, replica frozen", store.Create(ctx, record("d", "u", 1)))
	must("Create (anonymous), replica frozen", store.Create(ctx, record("x", "", 1)))
	later := time.Now().Add(time.Minute)
	_, _, err := store.Get(ctx, "u", "d", authsession.Touch{Before: later, Seen: later, ExpiresAt: later.Add(time.Hour)})
	must("a touching Get, replica frozen", err)
	withData := record("d", "u", 2)
	withData.Data = []byte("server storage")
	if ok, err := store.Save(ctx, withData, 1); !ok || err != nil {
		t.Fatalf("Save with data, replica frozen: got %v, %v, want true without waiting", ok, err)
	}
	ended := record("d", "u", 4)
	ended.ExpiresAt = time.Now().Add(-time.Second)
	for name, err := range map[string]error{
		"Save raising the generation (cookie storage)": func() error { _, err := store.Save(ctx, record("d", "u", 3), 2); return err }(),
		"Save ending the session":                      func() error { _, err := store.Save(ctx, ended, 3); return err }(),
		"Revoke":                                       store.Revoke(ctx, "u", "d"),
		"Revoke (anonymous)":                           store.Revoke(ctx, "", "x"),
		"RevokeUser":                                   func() error { _, err := store.RevokeUser(ctx, "u"); return err }(),
	} {
		if !errors.Is(err, redisstore.ErrNotReplicated) {
			t.Errorf("%s, replica frozen: got %v, want ErrNotReplicated", name, err)
		}
	}
	must("NoWait Revoke, replica frozen", noWait.Revoke(ctx, "u", "e"))
	replica.thaw(t)
	must("Revoke after the thaw", store.Revoke(ctx, "u", "d"))

	// Without replicas there is nothing to wait for.
	replica.kill()
	waitFor(t, 10*time.Second, "the master to see its replica gone", func() bool { return master.info("replication")["connected_slaves"] == "0" })
	must("Create", store.Create(ctx, record("f", "u", 1)))
	must("Revoke, no replicas", store.Revoke(ctx, "u", "f"))
}

// TestKeySlot checks the tests' own slot function against Redis's.
func TestKeySlot(t *testing.T) {
	c := connect(t, "cluster").(*redis.ClusterClient)
	for _, key := range []string{"", "a", "user", "{user}", "x{user}y", "{}user", "{user", "u:{w3-17}", "t12", "fill0", "ü{é}"} {
		want, err := c.ClusterKeySlot(context.Background(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := keySlot(key); got != int(want) {
			t.Errorf("keySlot(%q): got %d, want %d", key, got, want)
		}
	}
}

// BenchmarkRevokeWithReplica measures what waiting for a replica costs a
// revocation (a create, then the revoke measured with it), on a master
// with one replica on loopback: NoWait (the script alone), WaitConnected
// (the script, ROLE and WAIT) and a count of 1 (the script and WAIT).
func BenchmarkRevokeWithReplica(b *testing.B) {
	master, _ := masterWithReplica(b)
	rdb := redis.NewClient(&redis.Options{Addr: master.addr(), ContextTimeoutEnabled: true})
	b.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		wait int
	}{{"NoWait", redisstore.NoWait}, {"WaitConnected", redisstore.WaitConnected}, {"WaitReplicas=1", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			s := redisstore.New(rdb, redisstore.Options{Prefix: prefix(b), WaitReplicas: bc.wait})
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Create(ctx, record("a", "u", 1)); err != nil {
					b.Fatal(err)
				}
				if err := s.Revoke(ctx, "u", "a"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
