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

// Run runs the conformance suite against stores from newStore.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		cap  int
		fn   func(t *testing.T, s authsession.Store, clk *Clock)
	}{
		{"CreateGet", 0, testCreateGet},
		{"Unknown", 0, testUnknown},
		{"AlreadyExpired", 0, testAlreadyExpired},
		{"Expiry", 0, testExpiry},
		{"Revoke", 0, testRevoke},
		{"Touch", 0, testTouch},
		{"TouchAfterRevoke", 0, testTouchAfterRevoke},
		{"ScopedByUser", 0, testScopedByUser},
		{"RevokeUser", 0, testRevokeUser},
		{"ListUser", 0, testListUser},
		{"PerUserCap", 3, testPerUserCap},
		{"DefaultPerUserCap", 0, testDefaultPerUserCap},
		{"SignInFlood", 0, testSignInFlood},
		{"RevokeUserRacesCreate", 0, testRevokeUserRacesCreate},
		{"HostileIDs", 0, testHostileIDs},
		{"Concurrent", 100, testConcurrent},
		{"Generation", 0, testGeneration},
		{"GenerationRaces", 0, testGenerationRaces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A recent real time, at millisecond precision (what stores
			// keep), so a Redis TTL computed from it is real.
			clk := NewClock(time.UnixMilli(time.Now().UnixMilli()))
			tt.fn(t, newStore(t, Options{Now: clk.Now, MaxSessionsPerUser: tt.cap}), clk)
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

// live reports whether the session id of user is live.
func live(t *testing.T, s authsession.Store, user, id string) bool {
	t.Helper()
	_, found, err := s.Get(context.Background(), user, id)
	if err != nil {
		t.Fatalf("Get(%.20q, %.20q): %v", user, id, err)
	}
	return found
}

// touch writes lastSeen and expiresAt to the session id of user.
func touch(s authsession.Store, user, id string, lastSeen, expiresAt time.Time) error {
	return s.Touch(context.Background(), authsession.SessionRecord{ID: id, UserID: user, LastSeen: lastSeen, ExpiresAt: expiresAt})
}

func list(t *testing.T, s authsession.Store, user string) []string {
	t.Helper()
	recs, err := s.ListUser(context.Background(), user)
	if err != nil {
		t.Fatalf("ListUser(%.20q): %v", user, err)
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

func sameRecord(a, b authsession.SessionRecord) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Client == b.Client &&
		a.CreatedAt.Equal(b.CreatedAt) && a.LastSeen.Equal(b.LastSeen) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.Generation == b.Generation && a.GraceUntil.Equal(b.GraceUntil)
}

func testCreateGet(t *testing.T, s authsession.Store, clk *Clock) {
	want := Record("sess-1", "u_1", clk.Now(), time.Hour)
	create(t, s, want)
	got, found, err := s.Get(context.Background(), "u_1", "sess-1")
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
	if got, _, _ := s.Get(context.Background(), "u_1", "sess-1"); got.Client != "other" {
		t.Errorf("after re-create: got client %q, want %q", got.Client, "other")
	}
	if got := list(t, s, "u_1"); !slices.Equal(got, []string{"sess-1"}) {
		t.Errorf("ListUser after re-create: got %q, want one record", got)
	}
}

func testUnknown(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	if _, found, err := s.Get(ctx, "u_1", "nope"); found || err != nil {
		t.Errorf("Get(unknown): got found=%v err=%v, want false, nil", found, err)
	}
	if err := s.Revoke(ctx, "u_1", "nope"); err != nil {
		t.Errorf("Revoke(unknown): got %v, want nil", err)
	}
	if err := touch(s, "u_1", "nope", clk.Now(), clk.Now().Add(time.Hour)); err != nil {
		t.Errorf("Touch(unknown): got %v, want nil", err)
	}
	if live(t, s, "u_1", "nope") {
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
		if live(t, s, "u_1", id) {
			t.Errorf("ttl %v: got live, want not stored", ttl)
		}
	}
	if got := list(t, s, "u_1"); len(got) != 0 {
		t.Errorf("ListUser: got %d records, want 0", len(got))
	}
}

func testExpiry(t *testing.T, s authsession.Store, clk *Clock) {
	create(t, s, Record("short", "u_1", clk.Now(), time.Minute))
	create(t, s, Record("long", "u_1", clk.Now(), time.Hour))
	clk.Add(time.Minute)
	if live(t, s, "u_1", "short") {
		t.Errorf("short: got live at its expiry, want expired")
	}
	if !live(t, s, "u_1", "long") {
		t.Errorf("long: got expired, want live")
	}
	if got, want := list(t, s, "u_1"), []string{"long"}; !slices.Equal(got, want) {
		t.Errorf("ListUser: got %v, want %v", got, want)
	}
	if n, err := s.RevokeUser(context.Background(), "u_1"); n != 1 || err != nil {
		t.Errorf("RevokeUser: got %d, %v, want 1, nil", n, err)
	}
}

func testRevoke(t *testing.T, s authsession.Store, clk *Clock) {
	create(t, s, Record("a", "u_1", clk.Now(), time.Hour))
	create(t, s, Record("b", "u_1", clk.Now(), time.Hour))
	if err := s.Revoke(context.Background(), "u_1", "a"); err != nil {
		t.Fatal(err)
	}
	if live(t, s, "u_1", "a") {
		t.Errorf("a: got live after Revoke")
	}
	if !live(t, s, "u_1", "b") {
		t.Errorf("b: got revoked, want live")
	}
	if got, want := list(t, s, "u_1"), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("ListUser: got %v, want %v", got, want)
	}
	if err := s.Revoke(context.Background(), "u_1", "a"); err != nil {
		t.Errorf("second Revoke: got %v, want nil", err)
	}
}

func testTouch(t *testing.T, s authsession.Store, clk *Clock) {
	start := clk.Now()
	create(t, s, Record("a", "u_1", start, time.Minute))
	clk.Add(30 * time.Second)
	seen, exp := clk.Now(), clk.Now().Add(time.Hour)
	// Touch writes LastSeen and ExpiresAt only: the other fields of the
	// record it is given are ignored.
	err := s.Touch(context.Background(), authsession.SessionRecord{
		ID: "a", UserID: "u_1", LastSeen: seen, ExpiresAt: exp, CreatedAt: seen, Client: "ignored",
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute) // past the original expiry
	got, found, err := s.Get(context.Background(), "u_1", "a")
	if err != nil || !found {
		t.Fatalf("Get after Touch: got found=%v err=%v, want live", found, err)
	}
	want := Record("a", "u_1", start, time.Minute)
	want.LastSeen, want.ExpiresAt = seen, exp
	if !sameRecord(got, want) {
		t.Errorf("after Touch: got %+v, want %+v", got, want)
	}
	recs, _ := s.ListUser(context.Background(), "u_1")
	if len(recs) != 1 || !recs[0].ExpiresAt.Equal(exp) {
		t.Errorf("ListUser after Touch: got %+v, want one record expiring %v", recs, exp)
	}
	// A touch to an expiry in the past ends the session.
	if err := touch(s, "u_1", "a", clk.Now(), clk.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if live(t, s, "u_1", "a") || len(list(t, s, "u_1")) != 0 {
		t.Errorf("Touch to a past expiry: got live, want gone")
	}
}

func testTouchAfterRevoke(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	create(t, s, Record("a", "u_1", clk.Now(), time.Hour))
	if err := s.Revoke(ctx, "u_1", "a"); err != nil {
		t.Fatal(err)
	}
	if err := touch(s, "u_1", "a", clk.Now(), clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if live(t, s, "u_1", "a") {
		t.Errorf("Touch brought a revoked session back")
	}
}

// testScopedByUser checks that a session is reached only through its own
// user: another user's id finds, touches and revokes nothing, and the
// same session id under two users is two records.
func testScopedByUser(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	create(t, s, Record("a", "u_1", clk.Now(), time.Hour))
	if live(t, s, "u_2", "a") {
		t.Errorf("Get through another user: got live, want not found")
	}
	if err := touch(s, "u_2", "a", clk.Now(), clk.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, "u_2", "a"); err != nil {
		t.Fatal(err)
	}
	if !live(t, s, "u_1", "a") {
		t.Fatalf("another user's Touch or Revoke ended the session")
	}
	other := Record("a", "u_2", clk.Now(), 2*time.Hour)
	other.Client = "u_2's"
	create(t, s, other)
	got, found, _ := s.Get(ctx, "u_1", "a")
	if !found || got.UserID != "u_1" || got.Client == "u_2's" {
		t.Errorf("the same id under another user replaced the record: got %+v, %v", got, found)
	}
	if err := s.Revoke(ctx, "u_2", "a"); err != nil {
		t.Fatal(err)
	}
	if !live(t, s, "u_1", "a") || live(t, s, "u_2", "a") {
		t.Errorf("Revoke(u_2, a): got u_1's live=%v, u_2's live=%v, want true, false",
			live(t, s, "u_1", "a"), live(t, s, "u_2", "a"))
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
		if id := fmt.Sprintf("u1-%d", i); live(t, s, "u_1", id) {
			t.Errorf("%s: got live after RevokeUser", id)
		}
	}
	if !live(t, s, "u_2", "u2-0") {
		t.Errorf("another user's session was revoked")
	}
	if n, err := s.RevokeUser(ctx, "u_1"); n != 0 || err != nil {
		t.Errorf("second RevokeUser: got %d, %v, want 0, nil", n, err)
	}
	// The user can sign in again afterwards.
	create(t, s, Record("u1-new", "u_1", clk.Now(), time.Hour))
	if !live(t, s, "u_1", "u1-new") {
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

// testPerUserCap runs with a cap of 3: a user's fourth and fifth sessions
// end their own sessions that expire soonest, never another user's; a new
// session that itself expires soonest stays and the soonest of the others
// goes.
func testPerUserCap(t *testing.T, s authsession.Store, clk *Clock) {
	create(t, s, Record("other", "u_2", clk.Now(), time.Minute))
	for i := range 5 {
		// s0 expires first, s4 last.
		create(t, s, Record(fmt.Sprintf("s%d", i), "u_1", clk.Now(), time.Duration(i+1)*time.Hour))
	}
	if got, want := list(t, s, "u_1"), []string{"s2", "s3", "s4"}; !slices.Equal(got, want) {
		t.Errorf("after 5 sign-ins: got %q, want %q", got, want)
	}
	for _, id := range []string{"s0", "s1"} {
		if live(t, s, "u_1", id) {
			t.Errorf("%s: got live past the cap, want revoked", id)
		}
	}
	if !live(t, s, "u_2", "other") {
		t.Errorf("another user's session (expiring sooner than all) was revoked")
	}
	create(t, s, Record("short", "u_1", clk.Now(), 30*time.Minute))
	if got, want := list(t, s, "u_1"), []string{"s3", "s4", "short"}; !slices.Equal(got, want) {
		t.Errorf("after a short-lived sign-in: got %q, want %q", got, want)
	}
	// Re-creating an existing session does not count twice.
	create(t, s, Record("s4", "u_1", clk.Now(), 5*time.Hour))
	if got, want := list(t, s, "u_1"), []string{"s3", "s4", "short"}; !slices.Equal(got, want) {
		t.Errorf("after re-creating s4: got %q, want %q", got, want)
	}
}

func testDefaultPerUserCap(t *testing.T, s authsession.Store, clk *Clock) {
	const n = authsession.DefaultMaxSessionsPerUser + 5
	for i := range n {
		create(t, s, Record(fmt.Sprintf("s%02d", i), "u_1", clk.Now(), time.Duration(i+1)*time.Minute))
	}
	got := list(t, s, "u_1")
	if len(got) != authsession.DefaultMaxSessionsPerUser || got[0] != "s05" {
		t.Errorf("after %d sign-ins: got %q, want the last %d (s05 onwards)", n, got, authsession.DefaultMaxSessionsPerUser)
	}
}

// testSignInFlood: one user signing in a thousand times keeps at most the
// cap of sessions, listing stays that small, and another user's session
// lives on.
func testSignInFlood(t *testing.T, s authsession.Store, clk *Clock) {
	create(t, s, Record("victim", "u_2", clk.Now(), time.Hour))
	for i := range 1000 {
		create(t, s, Record(fmt.Sprintf("flood-%d", i), "mallory", clk.Now(), time.Hour))
		if i%100 == 99 {
			clk.Add(time.Second)
		}
	}
	if got := list(t, s, "mallory"); len(got) != authsession.DefaultMaxSessionsPerUser {
		t.Errorf("flooding user: got %d sessions, want %d", len(got), authsession.DefaultMaxSessionsPerUser)
	}
	if !live(t, s, "u_2", "victim") {
		t.Errorf("a sign-in flood ended another user's session")
	}
	if !live(t, s, "mallory", "flood-999") {
		t.Errorf("the newest session of the flood: got not live")
	}
}

// testRevokeUserRacesCreate races "log out everywhere" against sign-ins
// of the same user: afterwards every session is either live and listed or
// gone, and one more RevokeUser ends exactly the listed ones.
func testRevokeUserRacesCreate(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	const creates = 60
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range creates {
			if err := s.Create(ctx, Record(fmt.Sprintf("r%d", i), "racer", clk.Now(), time.Hour)); err != nil {
				t.Errorf("Create: %v", err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range creates / 3 {
			if _, err := s.RevokeUser(ctx, "racer"); err != nil {
				t.Errorf("RevokeUser: %v", err)
			}
		}
	}()
	wg.Wait()
	listed := list(t, s, "racer")
	for i := range creates {
		id := fmt.Sprintf("r%d", i)
		if got, want := live(t, s, "racer", id), slices.Contains(listed, id); got != want {
			t.Errorf("%s: got live=%v, listed=%v", id, got, want)
		}
	}
	if n, err := s.RevokeUser(ctx, "racer"); n != len(listed) || err != nil {
		t.Errorf("final RevokeUser: got %d, %v, want %d, nil", n, err, len(listed))
	}
	for i := range creates {
		if id := fmt.Sprintf("r%d", i); live(t, s, "racer", id) {
			t.Errorf("%s: live after the final RevokeUser", id)
		}
	}
}

// testHostileIDs checks that ids and user ids are opaque: separators,
// glob characters, hash-tag braces, escapes and long values never reach
// another user's records.
func testHostileIDs(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	users := []string{"a", "a:b", "*", "a*", "u:a", "s:x", "[a-z]", "ü ñ 😀", "\x00\r\n", strings.Repeat("x", 4096),
		"{", "}", "{a}", "a}:b", "}{", "%7B", "%7Ba%7D", "%", "a}", "{a"}
	for i, u := range users {
		create(t, s, Record(fmt.Sprintf("id-%d", i), u, clk.Now(), time.Hour))
		create(t, s, Record("s:"+u, u, clk.Now(), time.Hour))
		create(t, s, Record("}:"+u+"{", u, clk.Now(), time.Hour))
	}
	for i, u := range users {
		want := []string{fmt.Sprintf("id-%d", i), "s:" + u, "}:" + u + "{"}
		slices.Sort(want)
		if got := list(t, s, u); !slices.Equal(got, want) {
			t.Errorf("ListUser(%.20q): got %.60q, want %.60q", u, got, want)
		}
	}
	if n, err := s.RevokeUser(ctx, "*"); n != 3 || err != nil {
		t.Errorf("RevokeUser(*): got %d, %v, want 3, nil", n, err)
	}
	if n, err := s.RevokeUser(ctx, "{a}"); n != 3 || err != nil {
		t.Errorf("RevokeUser({a}): got %d, %v, want 3, nil", n, err)
	}
	for i, u := range users {
		if u == "*" || u == "{a}" {
			continue
		}
		if !live(t, s, u, fmt.Sprintf("id-%d", i)) || len(list(t, s, u)) != 3 {
			t.Errorf("user %.20q: lost sessions to another user's RevokeUser", u)
		}
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
				if _, _, err := s.Get(ctx, user, id); err != nil {
					errs <- err
				}
				if err := touch(s, user, id, clk.Now(), clk.Now().Add(2*time.Hour)); err != nil {
					errs <- err
				}
				if i%2 == 0 {
					if err := s.Revoke(ctx, user, id); err != nil {
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
		total += len(list(t, s, u))
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

// get returns the live record of user's session id.
func get(t *testing.T, s authsession.Store, user, id string) authsession.SessionRecord {
	t.Helper()
	rec, found, err := s.Get(context.Background(), user, id)
	if err != nil || !found {
		t.Fatalf("Get(%q): got found=%v err=%v, want live", id, found, err)
	}
	return rec
}

// testGeneration: Create stores a record's generation and grace, Get and
// ListUser return them, Touch raises each and never lowers either, and a
// touch that carries none (the store check's, a refresh's) keeps them.
func testGeneration(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	now := clk.Now()
	legacy := Record("legacy", "u_1", now, time.Hour)
	create(t, s, legacy)
	if got := get(t, s, "u_1", "legacy"); got.Generation != 0 || !got.GraceUntil.IsZero() {
		t.Errorf("a record created without a generation: got %d, %v, want 0 and none", got.Generation, got.GraceUntil)
	}
	rec := Record("a", "u_1", now, time.Hour)
	rec.Generation = 1
	create(t, s, rec)
	if got := get(t, s, "u_1", "a"); !sameRecord(got, rec) {
		t.Errorf("Get: got %+v, want %+v", got, rec)
	}
	grace := now.Add(5 * time.Second)
	steps := []struct {
		name      string
		gen       uint64
		grace     time.Time
		wantGen   uint64
		wantGrace time.Time
	}{
		{"raise", 3, grace, 3, grace},
		{"no generation (a plain touch)", 0, time.Time{}, 3, grace},
		{"lower generation, later grace", 2, grace.Add(time.Second), 3, grace.Add(time.Second)},
		{"higher generation, earlier grace", 7, now, 7, grace.Add(time.Second)},
		{"the same generation", 7, time.Time{}, 7, grace.Add(time.Second)},
		{"a large generation", 1 << 52, grace.Add(time.Minute), 1 << 52, grace.Add(time.Minute)},
	}
	for _, st := range steps {
		clk.Add(time.Second)
		seen := clk.Now()
		err := s.Touch(ctx, authsession.SessionRecord{ID: "a", UserID: "u_1", LastSeen: seen, ExpiresAt: seen.Add(time.Hour), Generation: st.gen, GraceUntil: st.grace})
		if err != nil {
			t.Fatal(err)
		}
		got := get(t, s, "u_1", "a")
		if got.Generation != st.wantGen || !got.GraceUntil.Equal(st.wantGrace) || !got.LastSeen.Equal(seen) {
			t.Errorf("Touch (%s): got generation %d, grace %v, last seen %v; want %d, %v, %v",
				st.name, got.Generation, got.GraceUntil, got.LastSeen, st.wantGen, st.wantGrace, seen)
		}
	}
	recs, err := s.ListUser(ctx, "u_1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.ID == "a" && r.Generation != 1<<52 {
			t.Errorf("ListUser: got generation %d, want %d", r.Generation, uint64(1<<52))
		}
	}
	// Another user's touch raises nothing.
	if err := s.Touch(ctx, authsession.SessionRecord{ID: "a", UserID: "u_2", LastSeen: now, ExpiresAt: now.Add(time.Hour), Generation: 1 << 53}); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "u_1", "a"); got.Generation != 1<<52 {
		t.Errorf("another user's Touch: got generation %d, want %d", got.Generation, uint64(1<<52))
	}
	// A revoked session stays revoked whatever the generation.
	if err := s.Revoke(ctx, "u_1", "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, authsession.SessionRecord{ID: "a", UserID: "u_1", LastSeen: now, ExpiresAt: now.Add(time.Hour), Generation: 1 << 53}); err != nil {
		t.Fatal(err)
	}
	if live(t, s, "u_1", "a") {
		t.Errorf("Touch with a higher generation brought a revoked session back")
	}
}

// testGenerationRaces: touches raising the generation race each other and
// plain touches (as on several instances); the generation a reader sees
// never goes down, and ends at the highest written.
func testGenerationRaces(t *testing.T, s authsession.Store, clk *Clock) {
	ctx := context.Background()
	rec := Record("a", "u_1", clk.Now(), time.Hour)
	rec.Generation = 1
	create(t, s, rec)
	const writers, each = 6, 30
	var wg, readers sync.WaitGroup
	stop := make(chan struct{})
	readers.Add(1)
	go func() {
		defer readers.Done()
		var last uint64
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, found, err := s.Get(ctx, "u_1", "a")
			if err != nil || !found {
				t.Errorf("Get during the race: found=%v err=%v", found, err)
				return
			}
			if got.Generation < last {
				t.Errorf("the generation went down: %d after %d", got.Generation, last)
				return
			}
			last = got.Generation
		}
	}()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				gen := uint64(i*writers + w + 2)
				if w%3 == 0 {
					gen = 0 // a plain touch
				}
				now := clk.Now()
				if err := s.Touch(ctx, authsession.SessionRecord{ID: "a", UserID: "u_1", LastSeen: now, ExpiresAt: now.Add(time.Hour), Generation: gen}); err != nil {
					t.Errorf("Touch: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	want := uint64((each-1)*writers + writers - 1 + 2) // the last writer's last
	if got := get(t, s, "u_1", "a"); got.Generation != want {
		t.Errorf("after the race: got generation %d, want the highest written, %d", got.Generation, want)
	}
}
