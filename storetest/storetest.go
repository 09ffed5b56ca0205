// Package storetest is the conformance suite of [authsession.Store]: the
// behaviour every store must have, checked in one call from a store's
// tests, as [testing/fstest.TestFS] checks a file system.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, o storetest.Options) authsession.Store {
//			return mystore.New(mystore.Options{Now: o.Now, MaxSessionsPerUser: o.MaxSessionsPerUser})
//		})
//	}
//
// The suite creates, reads, touches, saves, lists and revokes records,
// signed-in and anonymous, with hostile ids and large data; it races
// saves against saves, revocations against saves and "log out everywhere"
// against sign-ins. Each subtest gets a fresh store from the factory.
// Stores built on a real server (Redis, PostgreSQL) pass it as the memory
// store does; the store's clock must be Options.Now, which the suite
// moves by hand (a record expires when that clock passes its ExpiresAt,
// whatever the server's own clock says).
//
// A store that several application instances share also runs
// [RunInstances] and [RunServerStorage] with a [Pair]: two stores over the
// same data, each with its own client, on a real clock.
package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
)

// Options are what the suite asks of a store under test.
type Options struct {
	// Now is the store's clock.
	Now func() time.Time
	// MaxSessionsPerUser is the per-user cap; 0 asks for the store's
	// default, authsession.DefaultMaxSessionsPerUser.
	MaxSessionsPerUser int
}

// Factory returns an empty store for one test, configured by opts.
// Stores of one test run must not see each other's records.
type Factory func(t *testing.T, opts Options) authsession.Store

// suite is every check, with the per-user cap its store is built with.
var suite = []struct {
	name string
	cap  int
	fn   func(t *testing.T, s authsession.Store, clk *testclock.Clock)
}{
	{"CreateGet", 0, testCreateGet},
	{"Unknown", 0, testUnknown},
	{"AlreadyExpired", 0, testAlreadyExpired},
	{"Expiry", 0, testExpiry},
	{"Revoke", 0, testRevoke},
	{"Touch", 0, testTouch},
	{"TouchAfterRevoke", 0, testTouchAfterRevoke},
	{"Save", 0, testSave},
	{"SaveConflict", 0, testSaveConflict},
	{"SaveAfterRevoke", 0, testSaveAfterRevoke},
	{"SaveEnds", 0, testSaveEnds},
	{"LargeData", 0, testLargeData},
	{"ScopedByOwner", 0, testScopedByOwner},
	{"Anonymous", 3, testAnonymous},
	{"RevokeUser", 0, testRevokeUser},
	{"ListUser", 0, testListUser},
	{"PerUserCap", 3, testPerUserCap},
	{"DefaultPerUserCap", 0, testDefaultPerUserCap},
	{"SignInFlood", 0, testSignInFlood},
	{"OpaqueKeys", 0, testOpaqueKeys},
	{"Generation", 0, testGeneration},
	{"Concurrent", 100, testConcurrent},
	{"RevokeUserRacesCreate", 0, testRevokeUserRacesCreate},
	{"SavesRace", 0, testSavesRace},
	{"RevokeRacesSave", 0, testRevokeRacesSave},
}

// Run runs the conformance suite against stores from newStore, each check
// in its own subtest.
func Run(t *testing.T, newStore Factory) {
	t.Helper()
	for _, tt := range suite {
		t.Run(tt.name, func(t *testing.T) {
			// A recent real time, at millisecond precision (what stores
			// keep), so a Redis TTL computed from it is real.
			clk := testclock.New(time.UnixMilli(time.Now().UnixMilli()))
			tt.fn(t, newStore(t, Options{Now: clk.Now, MaxSessionsPerUser: tt.cap}), clk)
		})
	}
}

// Record returns a record of a session id of owner ("" for an anonymous
// session), created now, living for ttl, at generation 1, with a UserID
// derived from the owner and no Data.
func Record(id, owner string, now time.Time, ttl time.Duration) authsession.SessionRecord {
	rec := authsession.SessionRecord{
		ID:         id,
		Owner:      owner,
		CreatedAt:  now,
		LastSeen:   now,
		ExpiresAt:  now.Add(ttl),
		Client:     "Mozilla/5.0 (X11; Linux x86_64) Test/1.0",
		Generation: 1,
	}
	if owner != "" {
		rec.UserID = "user " + owner
	}
	return rec
}

func create(t *testing.T, s authsession.Store, rec authsession.SessionRecord) {
	t.Helper()
	if err := s.Create(context.Background(), rec); err != nil {
		t.Fatalf("Create(%.20q): %v", rec.ID, err)
	}
}

// lookup returns the live record of owner's session id, untouched.
func lookup(t *testing.T, s authsession.Store, owner, id string) (authsession.SessionRecord, bool) {
	t.Helper()
	rec, found, err := s.Get(context.Background(), owner, id, authsession.Touch{})
	if err != nil {
		t.Fatalf("Get(%.20q, %.20q): %v", owner, id, err)
	}
	return rec, found
}

// live reports whether owner's session id is live.
func live(t *testing.T, s authsession.Store, owner, id string) bool {
	t.Helper()
	_, found := lookup(t, s, owner, id)
	return found
}

// get returns the live record of owner's session id.
func get(t *testing.T, s authsession.Store, owner, id string) authsession.SessionRecord {
	t.Helper()
	rec, found := lookup(t, s, owner, id)
	if !found {
		t.Fatalf("Get(%.20q, %.20q): not found, want live", owner, id)
	}
	return rec
}

// save is Save of rec over generation prev, failing the test on an error.
func save(t *testing.T, s authsession.Store, rec authsession.SessionRecord, prev uint64) bool {
	t.Helper()
	ok, err := s.Save(context.Background(), rec, prev)
	if err != nil {
		t.Fatalf("Save(%.20q, prev %d): %v", rec.ID, prev, err)
	}
	return ok
}

func list(t *testing.T, s authsession.Store, owner string) []string {
	t.Helper()
	recs, err := s.ListUser(context.Background(), owner)
	if err != nil {
		t.Fatalf("ListUser(%.20q): %v", owner, err)
	}
	return ids(recs)
}

func ids(recs []authsession.SessionRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	slices.Sort(out)
	return out
}

// sameRecord compares every field of two records.
func sameRecord(a, b authsession.SessionRecord) bool {
	return a.ID == b.ID && a.Owner == b.Owner && a.UserID == b.UserID && a.Client == b.Client &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastSeen.Equal(b.LastSeen) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.Generation == b.Generation && a.GraceUntil.Equal(b.GraceUntil) && string(a.Data) == string(b.Data)
}
