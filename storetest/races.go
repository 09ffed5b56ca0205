package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
)

// This file races calls against each other, as several instances of an
// application do.

func testConcurrent(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	ctx := context.Background()
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*5)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("o%d", w%2)
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Create(ctx, Record(id, owner, clk.Now(), time.Hour)); err != nil {
					errs <- err
					continue
				}
				now := clk.Now()
				if _, _, err := s.Get(ctx, owner, id, authsession.Touch{Before: now.Add(time.Second), Seen: now}); err != nil {
					errs <- err
				}
				rec := Record(id, owner, now, 2*time.Hour)
				rec.Generation = 2
				if ok, err := s.Save(ctx, rec, 1); err != nil || !ok {
					errs <- fmt.Errorf("Save(%s): %v, %v", id, ok, err)
				}
				if i%2 == 0 {
					if err := s.Revoke(ctx, owner, id); err != nil {
						errs <- err
					}
				}
				if _, err := s.ListUser(ctx, owner); err != nil {
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
	for _, o := range []string{"o0", "o1"} {
		total += len(list(t, s, o))
	}
	want := workers * (each / 2) // odd i of each worker
	if total != want {
		t.Errorf("live sessions after the run: got %d, want %d", total, want)
	}
	n0, err0 := s.RevokeUser(ctx, "o0")
	n1, err1 := s.RevokeUser(ctx, "o1")
	if n0+n1 != want || err0 != nil || err1 != nil {
		t.Errorf("RevokeUser total: got %d (%v, %v), want %d", n0+n1, err0, err1, want)
	}
}

// testRevokeUserRacesCreate races "log out everywhere" against sign-ins
// of the same user: afterwards every session is either live and listed or
// gone, and one more RevokeUser ends exactly the listed ones.
func testRevokeUserRacesCreate(t *testing.T, s authsession.Store, clk *testclock.Clock) {
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

// increment reads the counter in the record's Data and saves it plus one
// over the generation it read, until a save lands. It returns how many
// saves were refused on the way.
func increment(ctx context.Context, s authsession.Store, owner, id string, now time.Time) (conflicts int, err error) {
	for {
		rec, found, err := s.Get(ctx, owner, id, authsession.Touch{})
		if err != nil || !found {
			return conflicts, fmt.Errorf("get: found=%v err=%v", found, err)
		}
		n, err := strconv.Atoi(string(rec.Data))
		if err != nil {
			return conflicts, fmt.Errorf("the data %q is no counter: %v", rec.Data, err)
		}
		prev := rec.Generation
		rec.Data, rec.Generation, rec.LastSeen = []byte(strconv.Itoa(n+1)), prev+1, now
		ok, err := s.Save(ctx, rec, prev)
		if err != nil {
			return conflicts, err
		}
		if ok {
			return conflicts, nil
		}
		conflicts++
	}
}

// testSavesRace: requests change one session at once, each reading it
// and saving over the generation it read (savesRace, on one store).
func testSavesRace(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	savesRace(t, []authsession.Store{s}, clk.Now, 4)
}

// savesRace: workers, spread over stores (instances of one store), add
// one to one session's counter 25 times each, each reading it and saving
// over the generation it read. No change is lost: every save lands on top
// of the one before it (the first save over a generation wins, the
// others read again).
func savesRace(t *testing.T, stores []authsession.Store, now func() time.Time, workers int) {
	ctx := context.Background()
	rec := Record("a", "o", now(), time.Hour)
	rec.Data = []byte("0")
	create(t, stores[0], rec)
	const each = 25
	var wg sync.WaitGroup
	for w := range workers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for range each {
				if _, err := increment(ctx, s, "o", "a", now()); err != nil {
					t.Errorf("increment: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := get(t, stores[0], "o", "a")
	if want := strconv.Itoa(workers * each); string(got.Data) != want || got.Generation != uint64(1+workers*each) {
		t.Errorf("after %d racing saves: got counter %q at generation %d, want %s at %d (a save was lost or written over)",
			workers*each, got.Data, got.Generation, want, 1+workers*each)
	}
}

// testRevokeRacesSave races a sign-out against saves of the same session
// (revokeRacesSave, on one store); afterwards the owner lists nothing.
func testRevokeRacesSave(t *testing.T, s authsession.Store, clk *testclock.Clock) {
	revokeRacesSave(t, s, s, clk.Now, 40)
	if got := list(t, s, "o"); len(got) != 0 {
		t.Errorf("ListUser after the races: got %q, want none", got)
	}
}

// revokeRacesSave races, rounds times over, a sign-out on revoker against
// saves of the same session on saver in a loop, for a signed-in and an
// anonymous session in turn: the first save (before Revoke) lands, and
// once Revoke has returned no save lands and the session never comes
// back.
func revokeRacesSave(t *testing.T, revoker, saver authsession.Store, now func() time.Time, rounds int) {
	ctx := context.Background()
	for i := range rounds {
		owner := ""
		if i%2 == 0 {
			owner = "o"
		}
		id := fmt.Sprintf("race-%d", i)
		rec := Record(id, owner, now(), time.Hour)
		rec.Data = []byte("0")
		create(t, revoker, rec)
		revoked, saving := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-revoked:
					// Saves that started before the revocation may land
					// or not; one more after it must not.
					if _, err := increment(ctx, saver, owner, id, now()); err == nil {
						t.Errorf("round %d: a save after the revocation landed", i)
					}
					return
				default:
				}
				if _, err := increment(ctx, saver, owner, id, now()); err != nil {
					if n == 0 {
						t.Errorf("round %d: the first save, before the revocation, failed: %v", i, err)
						close(saving)
					}
					return // gone: the revocation came first
				}
				if n == 0 {
					close(saving) // the revocation starts while saves run
				}
			}
		})
		<-saving
		if err := revoker.Revoke(ctx, owner, id); err != nil {
			t.Fatal(err)
		}
		close(revoked)
		wg.Wait()
		if live(t, saver, owner, id) {
			t.Fatalf("round %d: a save racing Revoke brought the session back", i)
		}
	}
}
