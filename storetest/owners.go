package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
)

// This file checks what belongs to an owner: scoping, anonymous records,
// listing, caps and "log out everywhere".

// testScopedByOwner checks that a session is reached only through its own
// owner: another owner's id finds, touches, saves and revokes nothing,
// and the same session id under two owners is two records.
func testScopedByOwner(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	now := clk.Now()
	create(t, s, Record("a", "o1", now, time.Hour))
	for _, other := range []string{"o2", "", "o1a", "o"} {
		if live(t, s, other, "a") {
			t.Errorf("Get through owner %q: got live, want not found", other)
		}
		touch := authsession.Touch{Before: now.Add(time.Hour), Seen: now.Add(time.Minute), ExpiresAt: now.Add(2 * time.Hour)}
		if _, _, err := s.Get(ctx, other, "a", touch); err != nil {
			t.Fatal(err)
		}
		rec := Record("a", other, now, -time.Second) // a save that would end it
		rec.Generation = 2
		if save(t, s, rec, 1) {
			t.Errorf("Save through owner %q: got true, want false", other)
		}
		if err := s.Revoke(ctx, other, "a"); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := get(t, s, "o1", "a"), Record("a", "o1", now, time.Hour); !sameRecord(got, want) {
		t.Fatalf("another owner's calls changed the session: got %+v, want %+v", got, want)
	}
	other := Record("a", "o2", now, 2*time.Hour)
	other.Client = "o2's"
	create(t, s, other)
	if got := get(t, s, "o1", "a"); got.Owner != "o1" || got.Client == "o2's" {
		t.Errorf("the same id under another owner replaced the record: got %+v", got)
	}
	if err := s.Revoke(ctx, "o2", "a"); err != nil {
		t.Fatal(err)
	}
	if !live(t, s, "o1", "a") || live(t, s, "o2", "a") {
		t.Errorf("Revoke(o2, a): got o1's live=%v, o2's live=%v, want true, false", live(t, s, "o1", "a"), live(t, s, "o2", "a"))
	}
}

// testAnonymous runs with a per-user cap of 3: anonymous sessions (owner
// "") are under no cap, in no listing, and out of RevokeUser's reach.
func testAnonymous(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	const n = 10
	for i := range n {
		create(t, s, Record(fmt.Sprintf("anon-%d", i), "", clk.Now(), time.Hour))
	}
	create(t, s, Record("signed-in", "o", clk.Now(), time.Hour))
	for i := range n {
		if id := fmt.Sprintf("anon-%d", i); !live(t, s, "", id) {
			t.Errorf("%s: got not live, want every anonymous session kept (no per-user cap)", id)
		}
	}
	if got := list(t, s, ""); len(got) != 0 {
		t.Errorf("ListUser(\"\"): got %d records, want none", len(got))
	}
	if n, err := s.RevokeUser(ctx, ""); n != 0 || err != nil {
		t.Errorf("RevokeUser(\"\"): got %d, %v, want 0, nil", n, err)
	}
	if !live(t, s, "", "anon-0") || !live(t, s, "o", "signed-in") {
		t.Errorf("RevokeUser(\"\") ended a session")
	}
	if n, err := s.RevokeUser(ctx, "o"); n != 1 || err != nil {
		t.Errorf("RevokeUser(o): got %d, %v, want 1, nil", n, err)
	}
	if !live(t, s, "", "anon-9") {
		t.Errorf("RevokeUser of a user ended an anonymous session")
	}
}

func testRevokeUser(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	for i := range 5 {
		create(t, s, Record(fmt.Sprintf("u1-%d", i), "o1", clk.Now(), time.Hour))
	}
	create(t, s, Record("u2-0", "o2", clk.Now(), time.Hour))
	n, err := s.RevokeUser(ctx, "o1")
	if n != 5 || err != nil {
		t.Fatalf("RevokeUser: got %d, %v, want 5, nil", n, err)
	}
	for i := range 5 {
		if id := fmt.Sprintf("u1-%d", i); live(t, s, "o1", id) {
			t.Errorf("%s: got live after RevokeUser", id)
		}
	}
	if !live(t, s, "o2", "u2-0") {
		t.Errorf("another user's session was revoked")
	}
	if n, err := s.RevokeUser(ctx, "o1"); n != 0 || err != nil {
		t.Errorf("second RevokeUser: got %d, %v, want 0, nil", n, err)
	}
	// The user can sign in again afterwards.
	create(t, s, Record("u1-new", "o1", clk.Now(), time.Hour))
	if !live(t, s, "o1", "u1-new") {
		t.Errorf("new session after RevokeUser: got not live")
	}
}

func testListUser(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	want := map[string]authsession.SessionRecord{}
	for i := range 3 {
		r := Record(fmt.Sprintf("s%d", i), "o1", clk.Now(), time.Duration(i+1)*time.Hour)
		r.Client = fmt.Sprintf("client %d", i)
		r.Generation = uint64(i + 1)
		create(t, s, r)
		r.Data = []byte("sealed session") // listed without it
		want[r.ID] = r
		clk.Add(time.Second)
	}
	create(t, s, Record("other", "o2", clk.Now(), time.Hour))
	recs, err := s.ListUser(context.Background(), "o1")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(want) {
		t.Fatalf("ListUser: got %v, want %d records", ids(recs), len(want))
	}
	for _, r := range recs {
		w := want[r.ID]
		w.Data = nil
		if !sameRecord(r, w) {
			t.Errorf("ListUser: got %+v, want %+v", r, w)
		}
	}
}

// testPerUserCap runs with a cap of 3: a user's fourth and fifth sessions
// end their own sessions that expire soonest, never another user's; a new
// session that itself expires soonest stays and the soonest of the others
// goes.
func testPerUserCap(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	create(t, s, Record("other", "o2", clk.Now(), time.Minute))
	for i := range 5 {
		// s0 expires first, s4 last.
		create(t, s, Record(fmt.Sprintf("s%d", i), "o1", clk.Now(), time.Duration(i+1)*time.Hour))
	}
	if got, want := list(t, s, "o1"), []string{"s2", "s3", "s4"}; !slices.Equal(got, want) {
		t.Errorf("after 5 sign-ins: got %q, want %q", got, want)
	}
	for _, id := range []string{"s0", "s1"} {
		if live(t, s, "o1", id) {
			t.Errorf("%s: got live past the cap, want revoked", id)
		}
	}
	if !live(t, s, "o2", "other") {
		t.Errorf("another user's session (expiring sooner than all) was revoked")
	}
	create(t, s, Record("short", "o1", clk.Now(), 30*time.Minute))
	if got, want := list(t, s, "o1"), []string{"s3", "s4", "short"}; !slices.Equal(got, want) {
		t.Errorf("after a short-lived sign-in: got %q, want %q", got, want)
	}
	// Re-creating an existing session does not count twice.
	create(t, s, Record("s4", "o1", clk.Now(), 5*time.Hour))
	if got, want := list(t, s, "o1"), []string{"s3", "s4", "short"}; !slices.Equal(got, want) {
		t.Errorf("after re-creating s4: got %q, want %q", got, want)
	}
}

func testDefaultPerUserCap(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	const n = authsession.DefaultMaxSessionsPerUser + 5
	for i := range n {
		create(t, s, Record(fmt.Sprintf("s%02d", i), "o", clk.Now(), time.Duration(i+1)*time.Minute))
	}
	got := list(t, s, "o")
	if len(got) != authsession.DefaultMaxSessionsPerUser || got[0] != "s05" {
		t.Errorf("after %d sign-ins: got %q, want the last %d (s05 onwards)", n, got, authsession.DefaultMaxSessionsPerUser)
	}
}

// testSignInFlood: one user signing in a thousand times keeps at most the
// cap of sessions, listing stays that small, and another user's session
// lives on.
func testSignInFlood(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	create(t, s, Record("victim", "o2", clk.Now(), time.Hour))
	for i := range 1000 {
		create(t, s, Record(fmt.Sprintf("flood-%d", i), "mallory", clk.Now(), time.Hour))
		if i%100 == 99 {
			clk.Add(time.Second)
		}
	}
	if got := list(t, s, "mallory"); len(got) != authsession.DefaultMaxSessionsPerUser {
		t.Errorf("flooding user: got %d sessions, want %d", len(got), authsession.DefaultMaxSessionsPerUser)
	}
	if !live(t, s, "o2", "victim") {
		t.Errorf("a sign-in flood ended another user's session")
	}
	if !live(t, s, "mallory", "flood-999") {
		t.Errorf("the newest session of the flood: got not live")
	}
}

// testOpaqueKeys checks that owners and ids are opaque strings of the
// URL-safe alphabet, 1 to 128 characters: prefixes, separators and the
// longest keys never reach another owner's records.
func testOpaqueKeys(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	owners := []string{"a", "a-b", "a_b", "-", "_", "ab", "A", "0", strings.Repeat("z", 128), strings.Repeat("z", 127)}
	for i, o := range owners {
		create(t, s, Record(fmt.Sprintf("id-%d", i), o, clk.Now(), time.Hour))
		create(t, s, Record(o, o, clk.Now(), time.Hour))
		create(t, s, Record("x"+o, o, clk.Now(), time.Hour))
	}
	for i, o := range owners {
		want := []string{fmt.Sprintf("id-%d", i), o, "x" + o}
		slices.Sort(want)
		if got := list(t, s, o); !slices.Equal(got, want) {
			t.Errorf("ListUser(%.20q): got %.60q, want %.60q", o, got, want)
		}
	}
	if n, err := s.RevokeUser(ctx, "a"); n != 3 || err != nil {
		t.Errorf("RevokeUser(a): got %d, %v, want 3, nil", n, err)
	}
	for i, o := range owners[1:] {
		if !live(t, s, o, fmt.Sprintf("id-%d", i+1)) || len(list(t, s, o)) != 3 {
			t.Errorf("owner %.20q: lost sessions to another owner's RevokeUser", o)
		}
	}
}

// testGeneration: Create stores a record's generation and grace, Get and
// ListUser return them, a touch never changes them, and generations up to
// 2^53-1 are kept exactly.
func testGeneration(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	now := clk.Now()
	rec := Record("a", "o", now, time.Hour)
	rec.Generation, rec.GraceUntil = 1<<53-1, now.Add(5*time.Second)
	create(t, s, rec)
	touch := authsession.Touch{Before: now.Add(time.Minute), Seen: now.Add(time.Second), ExpiresAt: now.Add(2 * time.Hour)}
	got, found, err := s.Get(ctx, "o", "a", touch)
	if err != nil || !found || got.Generation != rec.Generation || !got.GraceUntil.Equal(rec.GraceUntil) {
		t.Errorf("Get with a touch: got %+v (%v, %v), want generation %d and grace %v kept", got, found, err, rec.Generation, rec.GraceUntil)
	}
	next := rec
	next.Generation, next.GraceUntil = 1<<53-2, time.Time{} // Save may set any generation
	if !save(t, s, next, 1<<53-1) {
		t.Fatal("Save over 2^53-1: got false, want true")
	}
	if save(t, s, rec, 1<<53-1) {
		t.Error("Save over 2^53-1 after the record moved to 2^53-2: got true, want false")
	}
	recs, err := s.ListUser(ctx, "o")
	if err != nil || len(recs) != 1 || recs[0].Generation != 1<<53-2 || !recs[0].GraceUntil.IsZero() {
		t.Errorf("ListUser: got %+v (%v), want generation %d and no grace", recs, err, uint64(1<<53-2))
	}
}
