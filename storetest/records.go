package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
)

// This file checks one record at a time: create, get, touch, save,
// expire and revoke.

func testCreateGet(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	want := Record("sess-1", "owner-1", clk.Now(), time.Hour)
	want.UserID = "ü ñ 😀 \x00\r\n" + strings.Repeat("x", 4096) // kept as written
	want.Data = []byte("\x00sealed\xffdata")
	want.Generation, want.GraceUntil = 7, clk.Now().Add(5*time.Second)
	create(t, s, want)
	if got := get(t, s, "owner-1", "sess-1"); !sameRecord(got, want) {
		t.Errorf("Get: got %+v, want %+v", got, want)
	}
	// Creating the same id again replaces the record.
	again := want
	again.Client, again.Data = "other", nil
	create(t, s, again)
	if got := get(t, s, "owner-1", "sess-1"); !sameRecord(got, again) {
		t.Errorf("after re-create: got %+v, want %+v", got, again)
	}
	if got := list(t, s, "owner-1"); !slices.Equal(got, []string{"sess-1"}) {
		t.Errorf("ListUser after re-create: got %q, want one record", got)
	}
}

func testUnknown(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	if _, found, err := s.Get(ctx, "o", "nope", authsession.Touch{}); found || err != nil {
		t.Errorf("Get(unknown): got found=%v err=%v, want false, nil", found, err)
	}
	if err := s.Revoke(ctx, "o", "nope"); err != nil {
		t.Errorf("Revoke(unknown): got %v, want nil", err)
	}
	now := clk.Now()
	touch := authsession.Touch{Before: now.Add(time.Hour), Seen: now, ExpiresAt: now.Add(time.Hour)}
	if _, found, err := s.Get(ctx, "o", "nope", touch); found || err != nil {
		t.Errorf("Get(unknown) with a touch: got found=%v err=%v, want false, nil", found, err)
	}
	if ok := save(t, s, Record("nope", "o", now, time.Hour), 0); ok {
		t.Errorf("Save(unknown): got true, want false")
	}
	if live(t, s, "o", "nope") {
		t.Errorf("a touch or a save created a record")
	}
	if n, err := s.RevokeUser(ctx, "nobody"); n != 0 || err != nil {
		t.Errorf("RevokeUser(unknown): got %d, %v, want 0, nil", n, err)
	}
	if recs, err := s.ListUser(ctx, "nobody"); len(recs) != 0 || err != nil {
		t.Errorf("ListUser(unknown): got %v, %v, want none, nil", recs, err)
	}
}

func testAlreadyExpired(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	for i, ttl := range []time.Duration{0, -time.Second, -time.Hour} {
		for _, owner := range []string{"o", ""} {
			id := fmt.Sprintf("dead%d", i)
			create(t, s, Record(id, owner, clk.Now(), ttl))
			if live(t, s, owner, id) {
				t.Errorf("ttl %v, owner %q: got live, want not stored", ttl, owner)
			}
		}
	}
	if got := list(t, s, "o"); len(got) != 0 {
		t.Errorf("ListUser: got %d records, want 0", len(got))
	}
}

func testExpiry(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	create(t, s, Record("short", "o", clk.Now(), time.Minute))
	create(t, s, Record("long", "o", clk.Now(), time.Hour))
	create(t, s, Record("anon", "", clk.Now(), time.Minute))
	clk.Add(time.Minute)
	if live(t, s, "o", "short") || live(t, s, "", "anon") {
		t.Errorf("got live at its expiry, want expired")
	}
	if !live(t, s, "o", "long") {
		t.Errorf("long: got expired, want live")
	}
	if got, want := list(t, s, "o"), []string{"long"}; !slices.Equal(got, want) {
		t.Errorf("ListUser: got %v, want %v", got, want)
	}
	if n, err := s.RevokeUser(context.Background(), "o"); n != 1 || err != nil {
		t.Errorf("RevokeUser: got %d, %v, want 1, nil", n, err)
	}
}

func testRevoke(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	create(t, s, Record("a", "o", clk.Now(), time.Hour))
	create(t, s, Record("b", "o", clk.Now(), time.Hour))
	create(t, s, Record("c", "", clk.Now(), time.Hour))
	for _, k := range [][2]string{{"o", "a"}, {"", "c"}} {
		if err := s.Revoke(ctx, k[0], k[1]); err != nil {
			t.Fatal(err)
		}
		if live(t, s, k[0], k[1]) {
			t.Errorf("%s: got live after Revoke", k[1])
		}
		if err := s.Revoke(ctx, k[0], k[1]); err != nil {
			t.Errorf("second Revoke: got %v, want nil", err)
		}
	}
	if !live(t, s, "o", "b") {
		t.Errorf("b: got revoked, want live")
	}
	if got, want := list(t, s, "o"), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("ListUser: got %v, want %v", got, want)
	}
}

// testTouch: Get writes a due touch (last seen, a later expiry) and
// returns the record as touched; a touch that is not due, or that would
// shorten the expiry, changes nothing of it.
func testTouch(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	start := clk.Now()
	want := Record("a", "o", start, time.Minute)
	want.Data, want.Generation = []byte("data"), 3
	create(t, s, want)
	clk.Add(30 * time.Second)
	now := clk.Now()
	steps := []struct {
		name  string
		touch authsession.Touch
		seen  time.Time
		exp   time.Time
	}{
		{"not due (last seen after Before)", authsession.Touch{Before: start, Seen: now, ExpiresAt: now.Add(time.Hour)}, start, start.Add(time.Minute)},
		{"the zero touch", authsession.Touch{}, start, start.Add(time.Minute)},
		{"due, extends", authsession.Touch{Before: now, Seen: now, ExpiresAt: now.Add(time.Hour)}, now, now.Add(time.Hour)},
		{"due, never shortens", authsession.Touch{Before: now.Add(time.Second), Seen: now.Add(time.Second), ExpiresAt: now.Add(time.Minute)}, now.Add(time.Second), now.Add(time.Hour)},
		{"due, no expiry given", authsession.Touch{Before: now.Add(2 * time.Second), Seen: now.Add(2 * time.Second)}, now.Add(2 * time.Second), now.Add(time.Hour)},
	}
	for _, st := range steps {
		got, found, err := s.Get(ctx, "o", "a", st.touch)
		if err != nil || !found {
			t.Fatalf("%s: got found=%v err=%v, want live", st.name, found, err)
		}
		want.LastSeen, want.ExpiresAt = st.seen, st.exp
		if !sameRecord(got, want) {
			t.Errorf("%s: Get returned %+v, want %+v", st.name, got, want)
		}
		if again := get(t, s, "o", "a"); !sameRecord(again, want) {
			t.Errorf("%s: stored %+v, want %+v", st.name, again, want)
		}
	}
	clk.Add(time.Minute) // past the original expiry
	if !live(t, s, "o", "a") {
		t.Errorf("after the touch extended it: got expired at the original expiry")
	}
	recs, _ := s.ListUser(ctx, "o")
	if len(recs) != 1 || !recs[0].ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("ListUser after Touch: got %+v, want one record expiring %v", recs, want.ExpiresAt)
	}
}

func testTouchAfterRevoke(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	create(t, s, Record("a", "o", clk.Now(), time.Hour))
	if err := s.Revoke(ctx, "o", "a"); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	if _, found, err := s.Get(ctx, "o", "a", authsession.Touch{Before: now.Add(time.Hour), Seen: now, ExpiresAt: now.Add(time.Hour)}); found || err != nil {
		t.Errorf("Get with a touch after Revoke: got found=%v err=%v, want false, nil", found, err)
	}
	if live(t, s, "o", "a") {
		t.Errorf("a touch brought a revoked session back")
	}
}

// testSave: Save writes Data, LastSeen, ExpiresAt, Generation and
// GraceUntil over the generation it names, and keeps every other field.
func testSave(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	start := clk.Now()
	orig := Record("a", "o", start, time.Minute)
	orig.Data = []byte("v1")
	create(t, s, orig)
	clk.Add(30 * time.Second)
	now := clk.Now()
	next := authsession.SessionRecord{
		ID: "a", Owner: "o", Data: []byte("v2"), LastSeen: now, ExpiresAt: now.Add(time.Hour),
		Generation: 2, GraceUntil: now.Add(5 * time.Second),
		// Ignored: Save keeps these as created.
		UserID: "ignored", CreatedAt: now, Client: "ignored",
	}
	if !save(t, s, next, 1) {
		t.Fatalf("Save over the current generation: got false, want true")
	}
	want := orig
	want.Data, want.LastSeen, want.ExpiresAt, want.Generation, want.GraceUntil = next.Data, now, now.Add(time.Hour), 2, next.GraceUntil
	if got := get(t, s, "o", "a"); !sameRecord(got, want) {
		t.Errorf("after Save: got %+v, want %+v", got, want)
	}
	// The same generation again (a second write of one response).
	next.Data = []byte("v2b")
	if !save(t, s, next, 2) {
		t.Fatalf("Save keeping the generation: got false, want true")
	}
	if got := get(t, s, "o", "a"); string(got.Data) != "v2b" || got.Generation != 2 {
		t.Errorf("after Save keeping the generation: got data %q generation %d, want v2b, 2", got.Data, got.Generation)
	}
	// Saves of an anonymous session work alike.
	create(t, s, Record("anon", "", start, time.Hour))
	if !save(t, s, authsession.SessionRecord{ID: "anon", Data: []byte("cart"), LastSeen: now, ExpiresAt: now.Add(time.Hour), Generation: 2}, 1) {
		t.Fatalf("Save of an anonymous session: got false, want true")
	}
	if got := get(t, s, "", "anon"); string(got.Data) != "cart" || got.Generation != 2 {
		t.Errorf("anonymous after Save: got data %q generation %d, want cart, 2", got.Data, got.Generation)
	}
}

// testSaveConflict: a Save over a generation the record no longer has (a
// change based on an older read) writes nothing.
func testSaveConflict(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	now := clk.Now()
	rec := Record("a", "o", now, time.Hour)
	rec.Data = []byte("v1")
	create(t, s, rec)
	newer := rec
	newer.Data, newer.Generation = []byte("v2"), 2
	if !save(t, s, newer, 1) {
		t.Fatalf("first Save: got false, want true")
	}
	for _, prev := range []uint64{0, 1, 3, 1 << 40} {
		stale := rec
		stale.Data, stale.Generation, stale.ExpiresAt = []byte("stale"), prev+1, now.Add(2*time.Hour)
		if save(t, s, stale, prev) {
			t.Errorf("Save over generation %d (the record is at 2): got true, want false", prev)
		}
	}
	if got := get(t, s, "o", "a"); string(got.Data) != "v2" || got.Generation != 2 || !got.ExpiresAt.Equal(rec.ExpiresAt) {
		t.Errorf("after refused saves: got data %q generation %d expiry %v, want v2, 2, %v", got.Data, got.Generation, got.ExpiresAt, rec.ExpiresAt)
	}
}

// testSaveAfterRevoke: a sign-out wins over a save that comes after it,
// and over an expiry.
func testSaveAfterRevoke(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	now := clk.Now()
	create(t, s, Record("a", "o", now, time.Hour))
	create(t, s, Record("short", "", now, time.Minute))
	if err := s.Revoke(ctx, "o", "a"); err != nil {
		t.Fatal(err)
	}
	rec := Record("a", "o", now, 2*time.Hour)
	rec.Data, rec.Generation = []byte("back"), 2
	if save(t, s, rec, 1) {
		t.Errorf("Save after Revoke: got true, want false")
	}
	clk.Add(time.Minute)
	rec = Record("short", "", clk.Now(), time.Hour)
	rec.Generation = 2
	if save(t, s, rec, 1) {
		t.Errorf("Save after expiry: got true, want false")
	}
	if live(t, s, "o", "a") || live(t, s, "", "short") || len(list(t, s, "o")) != 0 {
		t.Errorf("a save brought a revoked or expired session back")
	}
}

// testSaveEnds: a Save with an expiry in the past ends the record.
func testSaveEnds(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	now := clk.Now()
	create(t, s, Record("a", "o", now, time.Hour))
	rec := Record("a", "o", now, -time.Second)
	rec.Generation = 2
	if !save(t, s, rec, 1) {
		t.Errorf("Save with a past expiry: got false, want true")
	}
	if live(t, s, "o", "a") || len(list(t, s, "o")) != 0 {
		t.Errorf("Save with a past expiry: got live, want gone")
	}
}

// testLargeData: a mebibyte of data, every byte value, round-trips through
// Create and Save.
func testLargeData(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	want := bytes.Clone(data)
	rec := Record("big", "o", clk.Now(), time.Hour)
	rec.Data = data
	create(t, s, rec)
	data[0]++ // the store keeps its own copy
	if got := get(t, s, "o", "big"); !bytes.Equal(got.Data, want) {
		t.Errorf("Create: got %d bytes of data back, not the %d written", len(got.Data), len(want))
	}
	rec.Data, rec.Generation = bytes.Repeat([]byte{0xff, 0}, 1<<19), 2
	if !save(t, s, rec, 1) {
		t.Fatal("Save: got false, want true")
	}
	if got := get(t, s, "o", "big"); !bytes.Equal(got.Data, rec.Data) {
		t.Errorf("Save: got %d bytes of data back, not the %d written", len(got.Data), len(rec.Data))
	}
	if recs, err := s.ListUser(context.Background(), "o"); err != nil || len(recs) != 1 || recs[0].Data != nil {
		t.Errorf("ListUser: got %d records (%v), want one without data", len(recs), err)
	}
}
