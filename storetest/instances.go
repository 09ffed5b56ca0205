package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// This file is the suite's part for two instances of an application on
// one store server: what one writes, the other reads, and their races.

// Pair returns two stores over the same data, each with its own client,
// as two instances of an application have (one Redis, one PostgreSQL
// database), on a real clock.
type Pair func(t *testing.T) (a, b authsession.Store)

// RunInstances runs the checks for two instances of one store, each in
// its own subtest: OneSession (what one instance writes the other reads;
// a save over a generation the other replaced is refused; a revocation on
// one ends the session for both), SavesRace (8 workers on both instances
// add to one session's counter at once: no change is lost) and
// RevokeRacesSave (200 times over, one instance revokes a session the
// other saves in a loop: once Revoke has returned no save lands and the
// session never comes back). Signed-in and anonymous sessions alike.
func RunInstances(t *testing.T, newPair Pair) {
	t.Helper()
	t.Run("OneSession", func(t *testing.T) {
		a, b := newPair(t)
		testOneSession(t, a, b)
	})
	t.Run("SavesRace", func(t *testing.T) {
		a, b := newPair(t)
		savesRace(t, []authsession.Store{a, b}, time.Now, 8)
	})
	t.Run("RevokeRacesSave", func(t *testing.T) {
		a, b := newPair(t)
		revokeRacesSave(t, a, b, time.Now, 200)
	})
}

// testOneSession: for a signed-in and an anonymous session, what a
// creates b reads; b's save is what a reads next; a's save over the
// generation b replaced is refused; a's revocation ends it for b.
func testOneSession(t *testing.T, a, b authsession.Store) {
	ctx := context.Background()
	for _, owner := range []string{"o1", ""} {
		rec := Record("s", owner, time.Now(), time.Hour)
		rec.Data = []byte("v1")
		create(t, a, rec)
		read := get(t, b, owner, "s")
		if string(read.Data) != "v1" {
			t.Fatalf("owner %q: the other instance read %q, want v1", owner, read.Data)
		}
		stale := read
		read.Data, read.Generation = []byte("v2"), 2
		if ok, err := b.Save(ctx, read, 1); !ok || err != nil {
			t.Fatalf("owner %q: Save on the other instance: got %v, %v", owner, ok, err)
		}
		if got := get(t, a, owner, "s"); string(got.Data) != "v2" || got.Generation != 2 {
			t.Errorf("owner %q: the first instance read %q at generation %d, want v2 at 2", owner, got.Data, got.Generation)
		}
		stale.Data, stale.Generation = []byte("lost update"), 2
		if ok, err := a.Save(ctx, stale, 1); ok || err != nil {
			t.Errorf("owner %q: a save over the generation the other instance replaced: got %v, %v, want false", owner, ok, err)
		}
		if err := a.Revoke(ctx, owner, "s"); err != nil {
			t.Fatal(err)
		}
		if live(t, b, owner, "s") {
			t.Errorf("owner %q: the other instance still finds the revoked session", owner)
		}
	}
}
