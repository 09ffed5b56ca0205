package authsession

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// The token layer's pooled buffers (tokens.payloads): a session that
// encode wrote or decode read shares no memory with a later call, and no
// buffer waits in the pool holding a session's plaintext.

// pooledLayer is the token layer of format f under a test secret, at now.
func pooledLayer[U any](tb testing.TB, f TokenFormat, now time.Time) *tokens[U] {
	tb.Helper()
	rc, err := Config[U]{Secret: "pooled-test-secret-0123456789abcdefgh", Format: f, Now: func() time.Time { return now }}.resolve()
	if err != nil {
		tb.Fatal(err)
	}
	t, err := newTokens(&rc.cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// pooledSession is a session whose every string and value differs by n.
func pooledSession(n int, now time.Time, extra bool) Session[User] {
	s := Session[User]{
		ID:          fmt.Sprintf("session-id-%04d-0123456789", n),
		User:        User{ID: fmt.Sprintf("u_%d", n), Email: fmt.Sprintf("user%d@example.com", n), Name: fmt.Sprintf("User %d", n), Image: fmt.Sprintf("https://example.com/%d.png", n)},
		AccessToken: fmt.Sprintf("access-%d-%0100d", n, n), RefreshToken: fmt.Sprintf("refresh-%d", n),
		CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(time.Hour),
	}
	if extra {
		s.User.Extra = map[string]any{"role": fmt.Sprintf("role-%d", n), "teams": []any{fmt.Sprintf("team-%d", n)}}
		s.Data = Data{"cart": json.RawMessage(fmt.Sprintf(`{"items":[%d]}`, n))}
	}
	return s
}

// TestPooledBuffersShareNothing: sessions decoded earlier keep their
// values while later tokens are encoded and decoded through the same
// buffers, with plain users, users with extra fields and session data,
// in the formats the pool serves.
func TestPooledBuffersShareNothing(t *testing.T) {
	now := time.UnixMilli(time.Now().UnixMilli())
	for _, f := range []TokenFormat{FormatDefault, FormatNextAuthV4} {
		for _, extra := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/extra=%v", f, extra), func(t *testing.T) {
				layer := pooledLayer[User](t, f, now)
				var kept []Session[User]
				var want []Session[User]
				for n := range 50 {
					s := pooledSession(n, now, extra && f == FormatDefault)
					tok, err := layer.encode(&s, now)
					if err != nil {
						t.Fatal(err)
					}
					got, err := layer.decode(tok, now)
					if err != nil {
						t.Fatal(err)
					}
					kept = append(kept, got)
					want = append(want, cloneForCompare(t, got))
				}
				for i := range kept {
					if !reflect.DeepEqual(kept[i], want[i]) {
						t.Fatalf("session %d changed after later calls:\n got %+v\nwant %+v", i, kept[i], want[i])
					}
				}
			})
		}
	}
}

// cloneForCompare is a deep copy of s through its JSON form, with the
// fields JSON leaves out.
func cloneForCompare(t *testing.T, s Session[User]) Session[User] {
	t.Helper()
	c, err := cloneSession(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// retainingUser breaks encoding/json's rule that UnmarshalJSON copies
// what it keeps: it keeps the input itself. Sessions of such a type must
// not be decoded into reused memory (copyJSON).
type retainingUser struct {
	ID  string
	raw []byte
}

func (u *retainingUser) UnmarshalJSON(b []byte) error {
	var v struct{ ID string }
	u.raw = b
	err := json.Unmarshal(b, &v)
	u.ID = v.ID
	return err
}

func (u retainingUser) MarshalJSON() ([]byte, error) { return json.Marshal(struct{ ID string }{u.ID}) }

func (u retainingUser) UserID() string { return u.ID }

func TestPooledBuffersSkipCustomDecoders(t *testing.T) {
	now := time.UnixMilli(time.Now().UnixMilli())
	layer := pooledLayer[retainingUser](t, FormatDefault, now)
	if layer.copyKind != copyJSON {
		t.Fatalf("copy kind %v, want copyJSON", layer.copyKind)
	}
	var kept []Session[retainingUser]
	for n := range 20 {
		s := Session[retainingUser]{ID: fmt.Sprintf("retaining-id-%04d-01234", n), User: retainingUser{ID: fmt.Sprintf("u_%d", n)}, CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(time.Hour)}
		tok, err := layer.encode(&s, now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := layer.decode(tok, now)
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, got)
	}
	for n, s := range kept {
		if want := fmt.Sprintf(`{"ID":"u_%d"}`, n); string(s.User.raw) != want {
			t.Fatalf("session %d: the bytes its user kept are now %q, want %q", n, s.User.raw, want)
		}
	}
}

// TestPooledBuffersAreCleared: after an encode or a decode (accepted or
// refused), a buffer taken from the pool holds no byte of a plaintext.
func TestPooledBuffersAreCleared(t *testing.T) {
	now := time.UnixMilli(time.Now().UnixMilli())
	layer := pooledLayer[User](t, FormatDefault, now)
	s := pooledSession(1, now, true)
	tok, err := layer.encode(&s, now)
	if err != nil {
		t.Fatal(err)
	}
	expired := pooledSession(2, now, false)
	expired.ExpiresAt = now.Add(-time.Hour)
	steps := map[string]func(){
		"encode":         func() { _, _ = layer.encode(&s, now) },
		"refused encode": func() { _, _ = layer.encode(&expired, now) },
		"decode":         func() { _, _ = layer.decode(tok, now) },
		"refused decode": func() { _, _ = layer.decode(tok, now.Add(2*time.Hour)) },
	}
	for name, step := range steps {
		step()
		buf := layer.payloads.Get().(*[]byte)
		for i, c := range (*buf)[:cap(*buf)] {
			if c != 0 {
				t.Fatalf("%s: pooled buffer of %d bytes has byte %d = %#x", name, cap(*buf), i, c)
			}
		}
		layer.payloads.Put(buf)
	}
}

// TestPooledBuffersConcurrent: encodes and decodes in parallel each get
// their own buffer (run under -race by the test command).
func TestPooledBuffersConcurrent(t *testing.T) {
	now := time.UnixMilli(time.Now().UnixMilli())
	layer := pooledLayer[User](t, FormatDefault, now)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				s := pooledSession(g*1000+i, now, i%2 == 0)
				tok, err := layer.encode(&s, now)
				if err != nil {
					errs <- err
					return
				}
				got, err := layer.decode(tok, now)
				if err != nil || got.User.ID != s.User.ID || got.AccessToken != s.AccessToken {
					errs <- fmt.Errorf("session %d: got %q, %q, %v", g*1000+i, got.User.ID, got.AccessToken, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestTokenAllocs holds EncryptSession and DecryptSession to their
// allocation counts for the benchmark payload (3 for EncryptSession with
// the id given, 4 drawing one; 2 for DecryptSession; BENCHMARKS.md's
// target is at most 12): the token, the claims' strings, the expiry date,
// golang-jwt's validation, and the id.
func TestTokenAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations; scripts/steps/60-bench.sh runs this without -race")
	}
	auth, err := NextAuthSession(Config[User]{Secret: "alloc-test-secret-0123456789abcdef", CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli())
	s := pooledSession(7, now, false)
	tok, err := auth.EncryptSession(s)
	if err != nil {
		t.Fatal(err)
	}
	noID := s
	noID.ID = ""
	for _, tt := range []struct {
		name string
		max  float64
		f    func() error
	}{
		{"EncryptSession", 3, func() error { _, err := auth.EncryptSession(s); return err }},
		{"EncryptSession drawing an id", 4, func() error { _, err := auth.EncryptSession(noID); return err }},
		{"DecryptSession", 2, func() error { _, err := auth.DecryptSession(tok); return err }},
	} {
		var ferr error
		got := testing.AllocsPerRun(200, func() {
			if err := tt.f(); err != nil {
				ferr = err
			}
		})
		if ferr != nil {
			t.Fatalf("%s: %v", tt.name, ferr)
		}
		if got > tt.max {
			t.Errorf("%s: %v allocations, want at most %v", tt.name, got, tt.max)
		}
	}
}
