package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/memstore"
	"github.com/authsession/authsession/storetest"
)

// TestBounded pins the eviction rules: only expired records and a user's
// own records (past MaxSessionsPerUser) are ever dropped to make room for a
// signed-in session; a store full of live signed-in sessions refuses the
// new one with ErrStoreFull.
func TestBounded(t *testing.T) {
	ctx := context.Background()
	type create struct {
		user string
		ttl  time.Duration
	}
	tests := []struct {
		name         string
		max, perUser int
		creates      []create      // in order, one second apart
		advance      time.Duration // clock move before the last create
		wantLastErr  error
		wantLive     []int // indexes still live at the end
	}{
		{"under the cap", 3, 0, []create{{"u", time.Hour}, {"v", time.Hour}}, 0, nil, []int{0, 1}},
		{"full of live sessions: the sign-in is refused", 3, 0,
			[]create{{"a", 3 * time.Hour}, {"b", time.Hour}, {"c", 2 * time.Hour}, {"d", 4 * time.Hour}}, 0, authsession.ErrStoreFull, []int{0, 1, 2}},
		{"full, one user: refused all the same", 2, 0,
			[]create{{"a", time.Hour}, {"b", time.Hour}, {"b", time.Hour}}, 0, authsession.ErrStoreFull, []int{0, 1}},
		{"expired records make room", 2, 0,
			[]create{{"a", time.Minute}, {"b", 5 * time.Hour}, {"c", time.Hour}}, 2 * time.Minute, nil, []int{1, 2}},
		{"over the user's cap: their own soonest goes", 10, 2,
			[]create{{"u", 3 * time.Hour}, {"u", time.Hour}, {"v", time.Minute}, {"u", 2 * time.Hour}}, 0, nil, []int{0, 2, 3}},
		{"a new session expiring soonest stays", 10, 2,
			[]create{{"u", 3 * time.Hour}, {"u", 2 * time.Hour}, {"u", time.Hour}}, 0, nil, []int{0, 2}},
		{"ties go to the oldest", 10, 2,
			[]create{{"u", time.Hour}, {"u", time.Hour}, {"u", time.Hour}}, 0, nil, []int{1, 2}},
		{"a user at their cap signs in when the store is full", 3, 2,
			[]create{{"u", time.Hour}, {"u", 2 * time.Hour}, {"v", time.Minute}, {"u", 3 * time.Hour}}, 0, nil, []int{1, 2, 3}},
		{"store of one", 1, 0, []create{{"u", time.Hour}, {"v", time.Hour}}, 0, authsession.ErrStoreFull, []int{0}},
		{"full: a sign-in takes the place of the anonymous session expiring soonest", 3, 0,
			[]create{{"", 2 * time.Hour}, {"", time.Hour}, {"a", time.Minute}, {"b", time.Hour}}, 0, nil, []int{0, 2, 3}},
		{"full of anonymous sessions: another is refused", 2, 0,
			[]create{{"", time.Hour}, {"", time.Hour}, {"", time.Hour}}, 0, authsession.ErrStoreFull, []int{0, 1}},
		{"full of signed-in sessions: an anonymous one is refused", 2, 0,
			[]create{{"a", time.Hour}, {"b", time.Hour}, {"", time.Hour}}, 0, authsession.ErrStoreFull, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.New(time.Unix(1_700_000_000, 0))
			m := memstore.New(memstore.Options{MaxSessions: tt.max, MaxSessionsPerUser: tt.perUser, Now: clk.Now})
			for i, c := range tt.creates {
				last := i == len(tt.creates)-1
				if last {
					clk.Add(tt.advance)
				}
				err := m.Create(ctx, storetest.Record(fmt.Sprint(i), c.user, clk.Now(), c.ttl))
				want := error(nil)
				if last {
					want = tt.wantLastErr
				}
				if !errors.Is(err, want) || (want == nil) != (err == nil) {
					t.Fatalf("create %d: got %v, want %v", i, err, want)
				}
				clk.Add(time.Second)
			}
			if got := m.Len(); got > tt.max {
				t.Errorf("Len: got %d, want at most %d", got, tt.max)
			}
			wantSet := map[int]bool{}
			for _, i := range tt.wantLive {
				wantSet[i] = true
			}
			for i, c := range tt.creates {
				_, found, err := m.Get(ctx, c.user, fmt.Sprint(i), authsession.Touch{})
				if err != nil {
					t.Fatal(err)
				}
				if found != wantSet[i] {
					t.Errorf("session %d of %s: got live=%v, want %v", i, c.user, found, wantSet[i])
				}
			}
		})
	}
}

func TestLazyExpiryFreesMemory(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(time.Unix(1_700_000_000, 0))
	m := memstore.New(memstore.Options{MaxSessions: 1000, Now: clk.Now})
	for i := range 100 {
		if err := m.Create(ctx, storetest.Record(fmt.Sprint(i), fmt.Sprint("u", i%7), clk.Now(), time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(2 * time.Minute)
	if err := m.Create(ctx, storetest.Record("new", "u", clk.Now(), time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Len(), 1; got != want {
		t.Errorf("Len after expiry: got %d, want %d", got, want)
	}
}

func TestCanceledContext(t *testing.T) {
	m := memstore.New(memstore.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := storetest.Record("a", "u", time.Now(), time.Hour)
	checks := []struct {
		name string
		err  error
	}{
		{"Create", m.Create(ctx, rec)},
		{"Get", func() error { _, _, err := m.Get(ctx, "u", "a", authsession.Touch{}); return err }()},
		{"Save", func() error { _, err := m.Save(ctx, rec, 1); return err }()},
		{"Revoke", m.Revoke(ctx, "u", "a")},
		{"RevokeUser", func() error { _, err := m.RevokeUser(ctx, "u"); return err }()},
		{"ListUser", func() error { _, err := m.ListUser(ctx, "u"); return err }()},
	}
	for _, c := range checks {
		if c.err == nil {
			t.Errorf("%s with a canceled context: got nil error, want one", c.name)
		}
	}
}

// heapAfterGC returns the bytes of heap in use after a full collection.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestMemoryStoreMemoryBound floods a store with a hundred times
// MaxSessions sign-ins, from one user and then from many, and checks that
// the records and the heap they hold stay at the bound while no other
// user's live session is ever dropped: one user's flood costs only that
// user's own sessions (MaxSessionsPerUser); many users' flood is refused
// once the store is full (ErrStoreFull).
func TestMemoryBound(t *testing.T) {
	const max = 2_000
	total := 200_000 // 100 times the bound
	if testing.Short() {
		total = 20_000
	}
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	record := func(i int, user string) authsession.SessionRecord {
		return authsession.SessionRecord{
			ID:        fmt.Sprintf("sess-%022d", i),
			Owner:     user,
			UserID:    user,
			CreatedAt: now, LastSeen: now,
			ExpiresAt: now.Add(time.Duration(1+i%1000) * time.Hour),
			Client:    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
		}
	}
	base := heapAfterGC()
	st := memstore.New(memstore.Options{MaxSessions: max, Now: func() time.Time { return now }})
	victims := max - authsession.DefaultMaxSessionsPerUser
	for i := range victims {
		if err := st.Create(ctx, record(i, fmt.Sprintf("user-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := victims; i < max; i++ {
		if err := st.Create(ctx, record(i, "flooder")); err != nil {
			t.Fatal(err)
		}
	}
	full := heapAfterGC() - base
	for i := max; i < total/2; i++ {
		if err := st.Create(ctx, record(i, "flooder")); err != nil {
			t.Fatalf("the flooder's sign-in %d: %v (their own oldest should make room)", i, err)
		}
	}
	refused := 0
	for i := total / 2; i < total; i++ {
		if err := st.Create(ctx, record(i, fmt.Sprintf("newcomer-%d", i))); errors.Is(err, authsession.ErrStoreFull) {
			refused++
		}
	}
	after := heapAfterGC() - base
	runtime.KeepAlive(st)
	t.Logf("%d records in, %d kept: heap %d B at the bound, %d B after (%.0f B per record)", total, st.Len(), full, after, float64(after)/max)
	if st.Len() != max {
		t.Errorf("got Len %d, want %d", st.Len(), max)
	}
	if refused != total-total/2 {
		t.Errorf("newcomers: got %d refused, want all %d", refused, total-total/2)
	}
	for i := range victims {
		if _, found, _ := st.Get(ctx, fmt.Sprintf("user-%d", i), record(i, "").ID, authsession.Touch{}); !found {
			t.Fatalf("user-%d's live session was dropped by the flood", i)
		}
	}
	if after > 2*full+256<<10 {
		t.Errorf("heap grew from %d B (at the bound) to %d B after %d records", full, after, total)
	}
}
