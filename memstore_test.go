package authsession_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) authsession.Store {
		return authsession.NewMemoryStore(authsession.MemoryStoreOptions{Now: now})
	})
}

func TestMemoryStoreBounded(t *testing.T) {
	ctx := context.Background()
	clk := storetest.NewClock(time.Unix(1_700_000_000, 0))
	tests := []struct {
		name     string
		max      int
		ttls     []time.Duration // created in order, one second apart
		advance  time.Duration   // clock move before the last create
		wantLive []int           // indexes still live at the end
	}{
		{"under the cap", 3, []time.Duration{time.Hour, time.Hour}, 0, []int{0, 1}},
		{"evicts the soonest expiring", 3, []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour, 4 * time.Hour}, 0, []int{0, 2, 3}},
		{"ties go to the oldest", 2, []time.Duration{time.Hour, time.Hour, time.Hour}, 0, []int{1, 2}},
		{"expired entries go first", 2, []time.Duration{time.Minute, 5 * time.Hour, time.Hour}, 2 * time.Minute, []int{1, 2}},
		{"cap of one", 1, []time.Duration{time.Hour, time.Hour}, 0, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := authsession.NewMemoryStore(authsession.MemoryStoreOptions{MaxSessions: tt.max, Now: clk.Now})
			for i, ttl := range tt.ttls {
				if i == len(tt.ttls)-1 {
					clk.Add(tt.advance)
				}
				if err := m.Create(ctx, storetest.Record(fmt.Sprint(i), "u", clk.Now(), ttl)); err != nil {
					t.Fatal(err)
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
			for i := range tt.ttls {
				_, found, err := m.Get(ctx, fmt.Sprint(i))
				if err != nil {
					t.Fatal(err)
				}
				if found != wantSet[i] {
					t.Errorf("session %d: got live=%v, want %v", i, found, wantSet[i])
				}
			}
		})
	}
}

func TestMemoryStoreLazyExpiryFreesMemory(t *testing.T) {
	ctx := context.Background()
	clk := storetest.NewClock(time.Unix(1_700_000_000, 0))
	m := authsession.NewMemoryStore(authsession.MemoryStoreOptions{MaxSessions: 1000, Now: clk.Now})
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

func TestMemoryStoreCanceledContext(t *testing.T) {
	m := authsession.NewMemoryStore(authsession.MemoryStoreOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := storetest.Record("a", "u", time.Now(), time.Hour)
	checks := []struct {
		name string
		err  error
	}{
		{"Create", m.Create(ctx, rec)},
		{"Get", func() error { _, _, err := m.Get(ctx, "a"); return err }()},
		{"Touch", m.Touch(ctx, "a", time.Now(), time.Now())},
		{"Revoke", m.Revoke(ctx, "a")},
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

// TestMemoryStoreMemoryBound fills a store far past MaxSessions and checks
// that both the record count and the heap it holds stay at what MaxSessions
// records cost: eviction frees what it drops.
func TestMemoryStoreMemoryBound(t *testing.T) {
	const max = 2_000
	total := 200_000 // 100 times the bound
	if testing.Short() {
		total = 20_000
	}
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	record := func(i int) authsession.SessionRecord {
		return authsession.SessionRecord{
			ID:        fmt.Sprintf("sess-%022d", i),
			UserID:    fmt.Sprintf("user-%d", i%5000),
			CreatedAt: now, LastSeen: now,
			ExpiresAt: now.Add(time.Duration(1+i%1000) * time.Hour),
			Client:    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
		}
	}
	base := heapAfterGC()
	st := authsession.NewMemoryStore(authsession.MemoryStoreOptions{MaxSessions: max, Now: func() time.Time { return now }})
	for i := range max {
		if err := st.Create(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
	}
	full := heapAfterGC() - base
	for i := max; i < total; i++ {
		if err := st.Create(ctx, record(i)); err != nil {
			t.Fatal(err)
		}
		if i%10_000 == 0 && st.Len() > max {
			t.Fatalf("after %d records: got Len %d, want at most %d", i, st.Len(), max)
		}
	}
	after := heapAfterGC() - base
	runtime.KeepAlive(st)
	t.Logf("%d records in, %d kept: heap %d B at the bound, %d B after (%.0f B per record)", total, st.Len(), full, after, float64(after)/max)
	if st.Len() != max {
		t.Errorf("got Len %d, want %d", st.Len(), max)
	}
	if after > 2*full+256<<10 {
		t.Errorf("heap grew from %d B (at the bound) to %d B after %d records: eviction does not free memory", full, after, total)
	}
}
