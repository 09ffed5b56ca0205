// Package storetest is the conformance suite every authsession.Store
// passes, shared by the memory store's and the Redis store's tests.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// Clock is a manual clock for tests, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Factory returns an empty store for one test, reading time from now.
// Stores of one test run must not see each other's records.
type Factory func(t *testing.T, now func() time.Time) authsession.Store

// Run runs the conformance suite against stores from newStore.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s authsession.Store, clk *Clock)
	}{
		{"CreateGet", testCreateGet},
		{"Unknown", testUnknown},
		{"AlreadyExpired", testAlreadyExpired},
		{"Expiry", testExpiry},
		{"Revoke", testRevoke},
		{"Touch", testTouch},
		{"TouchAfterRevoke", testTouchAfterRevoke},
		{"RevokeUser", testRevokeUser},
		{"ListUser", testListUser},
		{"HostileIDs", testHostileIDs},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A recent real time, at millisecond precision (what stores
			// keep), so a Redis TTL computed from it is real.
			clk := NewClock(time.UnixMilli(time.Now().UnixMilli()))
			tt.fn(t, newStore(t, clk.Now), clk)
		})
	}
}

// Record returns a record for id and user, created now, living for ttl.
func Record(id, user string, now time.Time, ttl time.Duration) authsession.SessionRecord {
	return authsession.SessionRecord{
		ID:        id,
		UserID:    user,
		CreatedAt: now,
		LastSeen:  now,
		ExpiresAt: now.Add(ttl),
		Client:    "Mozilla/5.0 (X11; Linux x86_64) Test/1.0",
	}
}

func create(t *testing.T, s authsession.Store, rec authsession.SessionRecord) {
	t.Helper()
	if err := s.Create(context.Background(), rec); err != nil {
		t.Fatalf("Create(%q): %v", rec.ID, err)
	}
}

func live(t *testing.T, s authsession.Store, id string) bool {
	t.Helper()
	_, found, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%q): %v", id, err)
	}
	return found
}

func ids(recs []authsession.SessionRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	slices.Sort(out)
	return out
}

func sameRecord(a, b authsession.SessionRecord) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Client == b.Client &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastSeen.Equal(b.LastSeen) && a.ExpiresAt.Equal(b.ExpiresAt)
}

func testCreateGet(t *testing.T, s authsession.Store, clk *Clock) {
	want := Record("sess-1", "u_1", clk.Now(), time.Hour)
	create(t, s, want)
	got, found, err := s.Get(context.Background(), "sess-1")
	if err != nil || !found {
		t.Fatalf("Get: got found=%v err=%v, want found=true err=nil", found, err)
	}
	if !sameRecord(got, want) {
		t.Errorf("Get: got %+v, want %+v", got, want)
	}
	// Creating the same id again replaces the record.
	again := want
	again.Client = "other"
	create(t, s, again)
	if got, _, _ := s.Get(context.Background(), "sess-1"); got.Client != "other" {
		t.Errorf("after re-create: got client %q, want %q", got.Client, "other")
	}
}

func testUnknown(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	if _, found, err := s.Get(ctx, "nope"); found || err != nil {
		t.Errorf("Get(unknown): got found=%v err=%v, want false, nil", found, err)
	}
	if err := s.Revoke(ctx, "nope"); err != nil {
		t.Errorf("Revoke(unknown): got %v, want nil", err)
	}
	if err := s.Touch(ctx, "nope", clk.Now(), clk.Now().Add(time.Hour)); err != nil {
		t.Errorf("Touch(unknown): got %v, want nil", err)
	}
	if live(t, s, "nope") {
		t.Errorf("Touch(unknown) created a record")
	}
	if n, err := s.RevokeUser(ctx, "nobody"); n != 0 || err != nil {
		t.Errorf("RevokeUser(unknown): got %d, %v, want 0, nil", n, err)
	}
	if recs, err := s.ListUser(ctx, "nobody"); len(recs) != 0 || err != nil {
		t.Errorf("ListUser(unknown): got %v, %v, want none, nil", recs, err)
	}
}

func testAlreadyExpired(t *testing.T, s authsession.Store, clk *Clock) {
	for _, ttl := range []time.Duration{0, -time.Second, -time.Hour} {
		id := fmt.Sprintf("dead%d", ttl)
		create(t, s, Record(id, "u_1", clk.Now(), ttl))
		if live(t, s, id) {
			t.Errorf("ttl %v: got live, want not stored", ttl)
		}
	}
	if recs, _ := s.ListUser(context.Background(), "u_1"); len(recs) != 0 {
		t.Errorf("ListUser: got %d records, want 0", len(recs))
	}
}

func testExpiry(t *testing.T, s authsession.Store, clk *Clock) {
	create(t, s, Record("short", "u_1", clk.Now(), time.Minute))
	create(t, s, Record("long", "u_1", clk.Now(), time.Hour))
	clk.Add(time.Minute)
	if live(t, s, "short") {
		t.Errorf("short: got live at its expiry, want expired")
	}
	if !live(t, s, "long") {
		t.Errorf("long: got expired, want live")
	}
	recs, err := s.ListUser(context.Background(), "u_1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(recs), []string{"long"}; !slices.Equal(got, want) {
		t.Errorf("ListUser: got %v, want %v", got, want)
	}
	if n, err := s.RevokeUser(context.Background(), "u_1"); n != 1 || err != nil {
		t.Errorf("RevokeUser: got %d, %v, want 1, nil", n, err)
	}
}

func testRevoke(t *testing.T, s authsession.Store, clk *Clock) {
	create(t, s, Record("a", "u_1", clk.Now(), time.Hour))
	create(t, s, Record("b", "u_1", clk.Now(), time.Hour))
	if err := s.Revoke(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if live(t, s, "a") {
		t.Errorf("a: got live after Revoke")
	}
	if !live(t, s, "b") {
		t.Errorf("b: got revoked, want live")
	}
	recs, _ := s.ListUser(context.Background(), "u_1")
	if got, want := ids(recs), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("ListUser: got %v, want %v", got, want)
	}
	if err := s.Revoke(context.Background(), "a"); err != nil {
		t.Errorf("second Revoke: got %v, want nil", err)
	}
}

func testTouch(t *testing.T, s authsession.Store, clk *Clock) {
	start := clk.Now()
	create(t, s, Record("a", "u_1", start, time.Minute))
	clk.Add(30 * time.Second)
	seen, exp := clk.Now(), clk.Now().Add(time.Hour)
	if err := s.Touch(context.Background(), "a", seen, exp); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute) // past the original expiry
	got, found, err := s.Get(context.Background(), "a")
	if err != nil || !found {
		t.Fatalf("Get after Touch: got found=%v err=%v, want live", found, err)
	}
	if !got.LastSeen.Equal(seen) || !got.ExpiresAt.Equal(exp) || !got.CreatedAt.Equal(start) || got.UserID != "u_1" {
		t.Errorf("after Touch: got %+v, want lastSeen %v, expiresAt %v, createdAt %v", got, seen, exp, start)
	}
	recs, _ := s.ListUser(context.Background(), "u_1")
	if len(recs) != 1 || !recs[0].ExpiresAt.Equal(exp) {
		t.Errorf("ListUser after Touch: got %+v, want one record expiring %v", recs, exp)
	}
}

func testTouchAfterRevoke(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	create(t, s, Record("a", "u_1", clk.Now(), time.Hour))
	if err := s.Revoke(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, "a", clk.Now(), clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if live(t, s, "a") {
		t.Errorf("Touch brought a revoked session back")
	}
}

func testRevokeUser(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	for i := range 5 {
		create(t, s, Record(fmt.Sprintf("u1-%d", i), "u_1", clk.Now(), time.Hour))
	}
	create(t, s, Record("u2-0", "u_2", clk.Now(), time.Hour))
	n, err := s.RevokeUser(ctx, "u_1")
	if n != 5 || err != nil {
		t.Fatalf("RevokeUser: got %d, %v, want 5, nil", n, err)
	}
	for i := range 5 {
		if id := fmt.Sprintf("u1-%d", i); live(t, s, id) {
			t.Errorf("%s: got live after RevokeUser", id)
		}
	}
	if !live(t, s, "u2-0") {
		t.Errorf("another user's session was revoked")
	}
	if n, err := s.RevokeUser(ctx, "u_1"); n != 0 || err != nil {
		t.Errorf("second RevokeUser: got %d, %v, want 0, nil", n, err)
	}
	// The user can sign in again afterwards.
	create(t, s, Record("u1-new", "u_1", clk.Now(), time.Hour))
	if !live(t, s, "u1-new") {
		t.Errorf("new session after RevokeUser: got not live")
	}
}

func testListUser(t *testing.T, s authsession.Store, clk *Clock) {
	want := map[string]authsession.SessionRecord{}
	for i := range 3 {
		r := Record(fmt.Sprintf("s%d", i), "u_1", clk.Now(), time.Duration(i+1)*time.Hour)
		r.Client = fmt.Sprintf("client %d", i)
		create(t, s, r)
		want[r.ID] = r
		clk.Add(time.Second)
	}
	create(t, s, Record("other", "u_2", clk.Now(), time.Hour))
	recs, err := s.ListUser(context.Background(), "u_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(want) {
		t.Fatalf("ListUser: got %v, want %d records", ids(recs), len(want))
	}
	for _, r := range recs {
		if !sameRecord(r, want[r.ID]) {
			t.Errorf("ListUser: got %+v, want %+v", r, want[r.ID])
		}
	}
}

// testHostileIDs checks that ids and user ids are opaque: separators,
// glob characters and long values never reach another user's records.
func testHostileIDs(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	users := []string{"a", "a:b", "*", "a*", "u:a", "s:x", "[a-z]", "ü ñ 😀", "\x00\r\n", strings.Repeat("x", 4096)}
	for i, u := range users {
		create(t, s, Record(fmt.Sprintf("id-%d", i), u, clk.Now(), time.Hour))
		create(t, s, Record("s:"+u, u, clk.Now(), time.Hour))
	}
	for i, u := range users {
		recs, err := s.ListUser(ctx, u)
		if err != nil {
			t.Fatalf("ListUser(%q): %v", u, err)
		}
		want := []string{fmt.Sprintf("id-%d", i), "s:" + u}
		slices.Sort(want)
		if got := ids(recs); !slices.Equal(got, want) {
			t.Errorf("ListUser(%.20q): got %.60q, want %.60q", u, got, want)
		}
	}
	if n, err := s.RevokeUser(ctx, "*"); n != 2 || err != nil {
		t.Errorf("RevokeUser(*): got %d, %v, want 2, nil", n, err)
	}
	if !live(t, s, "id-0") || !live(t, s, "id-1") {
		t.Errorf("RevokeUser(*) revoked other users' sessions")
	}
}

func testConcurrent(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("u%d", w%2)
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Create(ctx, Record(id, user, clk.Now(), time.Hour)); err != nil {
					errs <- err
					continue
				}
				if _, _, err := s.Get(ctx, id); err != nil {
					errs <- err
				}
				if err := s.Touch(ctx, id, clk.Now(), clk.Now().Add(2*time.Hour)); err != nil {
					errs <- err
				}
				if i%2 == 0 {
					if err := s.Revoke(ctx, id); err != nil {
						errs <- err
					}
				}
				if _, err := s.ListUser(ctx, user); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent operation: %v", err)
	}
	// Every odd session survives, every even one is gone.
	total := 0
	for _, u := range []string{"u0", "u1"} {
		recs, err := s.ListUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		total += len(recs)
	}
	want := workers * (each / 2) // odd i of each worker
	if total != want {
		t.Errorf("live sessions after the run: got %d, want %d", total, want)
	}
	n0, err0 := s.RevokeUser(ctx, "u0")
	n1, err1 := s.RevokeUser(ctx, "u1")
	if n0+n1 != want || err0 != nil || err1 != nil {
		t.Errorf("RevokeUser total: got %d (%v, %v), want %d", n0+n1, err0, err1, want)
	}
}
