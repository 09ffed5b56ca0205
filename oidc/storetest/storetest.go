// Package storetest checks an implementation of [oidc.Store]: the
// conformance suite that the memory and Redis stores pass, for third-party
// stores to run in one line:
//
//	func TestMyStore(t *testing.T) { storetest.Run(t, func(t *testing.T) oidc.Store { return newMyStore(t) }) }
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession/oidc"
)

// Run runs the conformance suite against stores made by newStore, one per
// subtest: each must start empty (or use keys no other subtest sees).
// The time-to-live checks wait for a key of a few milliseconds to expire,
// looking every few milliseconds for up to ten seconds.
func Run(t *testing.T, newStore func(t *testing.T) oidc.Store) {
	t.Run("GetSetDelete", func(t *testing.T) { testGetSetDelete(t, newStore(t)) })
	t.Run("SetNew", func(t *testing.T) { testSetNew(t, newStore(t)) })
	t.Run("DeleteIfValue", func(t *testing.T) { testDeleteIf(t, newStore(t)) })
	t.Run("Members", func(t *testing.T) { testMembers(t, newStore(t)) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, newStore(t)) })
	t.Run("SetNewRace", func(t *testing.T) { testSetNewRace(t, newStore(t)) })
	t.Run("Cancelled", func(t *testing.T) { testCancelled(t, newStore(t)) })
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantValue(t *testing.T, s oidc.Store, key string, want []byte) {
	t.Helper()
	got, found, err := s.Get(context.Background(), key)
	must(t, err)
	switch {
	case want == nil && found:
		t.Errorf("Get(%q) = %q, want none", key, got)
	case want != nil && !found:
		t.Errorf("Get(%q) found none, want %q", key, want)
	case want != nil && !bytes.Equal(got, want):
		t.Errorf("Get(%q) = %q, want %q", key, got, want)
	}
}

func testGetSetDelete(t *testing.T, s oidc.Store) {
	ctx := context.Background()
	wantValue(t, s, "tok:{a}", nil)
	must(t, s.Set(ctx, "tok:{a}", []byte("one"), time.Minute))
	wantValue(t, s, "tok:{a}", []byte("one"))
	must(t, s.Set(ctx, "tok:{a}", []byte{0, 0xff, '\n'}, time.Minute)) // binary, replaced
	wantValue(t, s, "tok:{a}", []byte{0, 0xff, '\n'})
	wantValue(t, s, "tok:{b}", nil)
	must(t, s.Delete(ctx, "tok:{a}", nil))
	wantValue(t, s, "tok:{a}", nil)
	must(t, s.Delete(ctx, "tok:{a}", nil)) // absent: no error
	v := []byte("mine")
	must(t, s.Set(ctx, "tok:{c}", v, time.Minute))
	v[0] = 'X' // the store keeps its own copy
	wantValue(t, s, "tok:{c}", []byte("mine"))
}

func testSetNew(t *testing.T, s oidc.Store) {
	ctx := context.Background()
	ok, err := s.SetNew(ctx, "lock:{a}", []byte("first"), time.Minute)
	must(t, err)
	if !ok {
		t.Fatal("SetNew on an absent key did not store")
	}
	ok, err = s.SetNew(ctx, "lock:{a}", []byte("second"), time.Minute)
	must(t, err)
	if ok {
		t.Error("SetNew on a present key stored")
	}
	wantValue(t, s, "lock:{a}", []byte("first"))
}

func testDeleteIf(t *testing.T, s oidc.Store) {
	ctx := context.Background()
	must(t, s.Set(ctx, "lock:{a}", []byte("owner-1"), time.Minute))
	must(t, s.Delete(ctx, "lock:{a}", []byte("owner-2")))
	wantValue(t, s, "lock:{a}", []byte("owner-1"))
	must(t, s.Delete(ctx, "lock:{a}", []byte("owner-1")))
	wantValue(t, s, "lock:{a}", nil)
}

func testMembers(t *testing.T, s oidc.Store) {
	ctx := context.Background()
	got, err := s.Members(ctx, "sub:{a}")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("Members of an absent set = %q, want none", got)
	}
	for _, m := range []string{"r1", "r2", "r1"} {
		must(t, s.AddMember(ctx, "sub:{a}", m, time.Minute))
	}
	got, err = s.Members(ctx, "sub:{a}")
	must(t, err)
	slices.Sort(got)
	if !slices.Equal(got, []string{"r1", "r2"}) {
		t.Errorf("Members = %q, want [r1 r2]", got)
	}
	// Sets and values do not see each other's keys.
	wantValue(t, s, "sub:{b}", nil)
}

// eventually polls cond every few milliseconds for up to ten seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: still not the case after ten seconds", what)
}

func testExpiry(t *testing.T, s oidc.Store) {
	ctx := context.Background()
	ok, err := s.SetNew(ctx, "lock:{short}", []byte("v"), 20*time.Millisecond)
	must(t, err)
	if !ok {
		t.Fatal("SetNew did not store")
	}
	must(t, s.Set(ctx, "tok:{short}", []byte("v"), 20*time.Millisecond))
	must(t, s.Set(ctx, "tok:{long}", []byte("v"), time.Hour))
	must(t, s.AddMember(ctx, "sub:{short}", "m", 20*time.Millisecond))
	eventually(t, "a value past its time to live is gone", func() bool {
		_, found, err := s.Get(ctx, "tok:{short}")
		must(t, err)
		return !found
	})
	eventually(t, "a set past its time to live is gone", func() bool {
		m, err := s.Members(ctx, "sub:{short}")
		must(t, err)
		return len(m) == 0
	})
	// lock:{short} was stored before tok:{short}: it has expired too.
	ok, err = s.SetNew(ctx, "lock:{short}", []byte("again"), time.Minute)
	must(t, err)
	if !ok {
		t.Error("SetNew on an expired key did not store")
	}
	wantValue(t, s, "tok:{long}", []byte("v"))
}

// testSetNewRace: of many concurrent SetNew calls on one key, exactly one
// stores.
func testSetNewRace(t *testing.T, s oidc.Store) {
	ctx := context.Background()
	const n = 32
	var wg sync.WaitGroup
	won := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			v := fmt.Sprint("owner-", i)
			ok, err := s.SetNew(ctx, "lock:{race}", []byte(v), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won <- v
			}
		})
	}
	wg.Wait()
	close(won)
	var winners []string
	for v := range won {
		winners = append(winners, v)
	}
	if len(winners) != 1 {
		t.Fatalf("%d SetNew calls stored, want exactly 1", len(winners))
	}
	wantValue(t, s, "lock:{race}", []byte(winners[0]))
}

// testCancelled: a call under a cancelled context fails with the
// context's error, and stores nothing.
func testCancelled(t *testing.T, s oidc.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]error{
		"Set":       s.Set(ctx, "tok:{x}", []byte("v"), time.Minute),
		"Delete":    s.Delete(ctx, "tok:{x}", nil),
		"AddMember": s.AddMember(ctx, "sub:{x}", "m", time.Minute),
	}
	_, _, calls["Get"] = s.Get(ctx, "tok:{x}")
	_, calls["SetNew"] = s.SetNew(ctx, "tok:{x}", []byte("v"), time.Minute)
	_, calls["Members"] = s.Members(ctx, "sub:{x}")
	for name, err := range calls {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s under a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
	wantValue(t, s, "tok:{x}", nil)
}
