package authsession

import (
	"hash/maphash"
	"testing"
	"time"
)

// TestSeenTable: an entry answers only for its own owner and id, only for
// a time at or before the last-seen time it holds, and a later note
// replaces it (as a collision replaces another session's entry).
func TestSeenTable(t *testing.T) {
	tab := &seenTable{seed: maphash.MakeSeed()}
	t0 := time.UnixMilli(1_700_000_000_000)
	if tab.recent("o", "id1", t0) {
		t.Fatal("an empty table: got recent, want not")
	}
	tab.note("o", "id1", t0)
	for _, c := range []struct {
		owner, id string
		before    time.Time
		want      bool
	}{
		{"o", "id1", t0, true},
		{"o", "id1", t0.Add(-time.Minute), true},
		{"o", "id1", t0.Add(time.Millisecond), false},
		{"other", "id1", t0, false},
		{"o", "id2", t0, false},
	} {
		if got := tab.recent(c.owner, c.id, c.before); got != c.want {
			t.Errorf("recent(%q, %q, t0%+v): got %v, want %v", c.owner, c.id, c.before.Sub(t0), got, c.want)
		}
	}
	// Another session in the same slot replaces the entry.
	slot := tab.slot("id1")
	slot.Store(&seenEntry{owner: "o", id: "id-colliding", at: t0})
	if tab.recent("o", "id1", t0) {
		t.Error("after another session took the slot: got recent, want not")
	}
	tab.note("o", "id1", t0.Add(time.Second))
	if !tab.recent("o", "id1", t0.Add(time.Second)) {
		t.Error("after a later note: got not recent, want recent")
	}
}
