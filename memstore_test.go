package authsession_test

import (
	"context"
	"fmt"
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
