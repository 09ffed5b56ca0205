package authsession

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/cookies"
)

// testSessionJSON is the benchmarks' payload: a user with id, email, name,
// role and two permissions plus an access token (~370 bytes).
const testSessionJSON = `{"user":{"id":"u_8f14e45fceea167a5a36dedd4bea2543","email":"ada.lovelace@example.com",` +
	`"name":"Ada Lovelace","permissions":["reports:read","billing:write"],"role":"admin"},` +
	`"accessToken":"at_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-9c1e2f7a",` +
	`"expiresAt":1767225600000,"expiryDate":"2026-01-01T00:00:00.000Z","createdAt":1767139200000,"lastActivity":1767139200000}`

// decodedSession returns a freshly decoded session, so every cache entry
// owns its own maps and strings as a decrypted one does.
func decodedSession(t testing.TB) Session[User] {
	t.Helper()
	var s Session[User]
	if err := s.UnmarshalJSON([]byte(testSessionJSON)); err != nil {
		t.Fatal(err)
	}
	s.ID = newSessionID()
	return s
}

// syntheticToken returns a distinct token-shaped string of n bytes whose
// tail (the "GCM tag") is pseudo-random, like a real token's.
func syntheticToken(i, n int) string {
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(i)*0x9E3779B97F4A7C15)
	tail := base64.RawURLEncoding.EncodeToString(seed[:]) + fmt.Sprintf("%08x", i)
	return strings.Repeat("a", n-len(tail)) + tail
}

// get is lookup as a session and a found flag, for the tests below.
func (c *tokenCache[U]) get(token string, now time.Time) (Session[U], bool) {
	if e := c.lookup(token, now); e != nil {
		return e.session, true
	}
	return Session[U]{}, false
}

func TestTokenCache(t *testing.T) {
	now := time.Unix(1_767_139_200, 0)
	s := decodedSession(t)
	tests := []struct {
		name   string
		run    func(c *tokenCache[User]) (Session[User], bool)
		wantOK bool
	}{
		{"miss", func(c *tokenCache[User]) (Session[User], bool) {
			return c.get("tok-a", now)
		}, false},
		{"hit", func(c *tokenCache[User]) (Session[User], bool) {
			c.put("tok-a", s, now.Add(time.Hour))
			return c.get("tok-a", now)
		}, true},
		{"empty token", func(c *tokenCache[User]) (Session[User], bool) {
			c.put("", s, now.Add(time.Hour))
			return c.get("", now)
		}, true},
		{"expired at its expiry", func(c *tokenCache[User]) (Session[User], bool) {
			c.put("tok-a", s, now.Add(time.Hour))
			return c.get("tok-a", now.Add(time.Hour))
		}, false},
		{"expired before insertion", func(c *tokenCache[User]) (Session[User], bool) {
			c.put("tok-a", s, now.Add(-time.Second))
			return c.get("tok-a", now)
		}, false},
		{"removed", func(c *tokenCache[User]) (Session[User], bool) {
			c.put("tok-a", s, now.Add(time.Hour))
			c.remove("tok-a")
			return c.get("tok-a", now)
		}, false},
		{"remove of unknown token", func(c *tokenCache[User]) (Session[User], bool) {
			c.put("tok-a", s, now.Add(time.Hour))
			c.remove("tok-b")
			return c.get("tok-a", now)
		}, true},
		{"other token", func(c *tokenCache[User]) (Session[User], bool) {
			c.put("tok-a", s, now.Add(time.Hour))
			return c.get("tok-a ", now)
		}, false},
		{"oversized token not cached", func(c *tokenCache[User]) (Session[User], bool) {
			big := strings.Repeat("x", 1<<20)
			c.put(big, s, now.Add(time.Hour))
			return c.get(big, now)
		}, false},
		{"re-put replaces", func(c *tokenCache[User]) (Session[User], bool) {
			old := s
			old.ID = "old"
			c.put("tok-a", old, now.Add(time.Hour))
			c.put("tok-a", s, now.Add(2*time.Hour))
			return c.get("tok-a", now.Add(90*time.Minute))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTokenCache[User](1 << 20)
			got, ok := tt.run(c)
			if ok != tt.wantOK {
				t.Fatalf("got ok %v, want %v", ok, tt.wantOK)
			}
			if ok && got.ID != s.ID {
				t.Errorf("got session id %q, want %q", got.ID, s.ID)
			}
			checkCacheInvariants(t, c)
		})
	}
}

func TestNewTokenCacheDisabled(t *testing.T) {
	for _, n := range []int{0, -1} {
		if c := newTokenCache[User](n); c != nil {
			t.Errorf("newTokenCache(%d): got a cache, want nil", n)
		}
	}
}

// checkCacheInvariants verifies that every shard's map, ring and accounted
// bytes agree and stay within budget.
func checkCacheInvariants(t *testing.T, c *tokenCache[User]) {
	t.Helper()
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sum, live := 0, 0
		for slot, e := range sh.ring {
			if e == nil {
				continue
			}
			live++
			sum += e.size
			if e.slot != slot {
				t.Errorf("shard %d: entry in slot %d says slot %d", i, slot, e.slot)
			}
			if v, _ := sh.m.Load(e.digest); v != e {
				t.Errorf("shard %d: ring entry missing from map", i)
			}
		}
		inMap := 0
		sh.m.Range(func(any, any) bool { inMap++; return true })
		if live != inMap || live+len(sh.free) != len(sh.ring) {
			t.Errorf("shard %d: got %d live, %d map, %d free, %d slots", i, live, inMap, len(sh.free), len(sh.ring))
		}
		if sum != sh.bytes {
			t.Errorf("shard %d: got accounted %d bytes, want sum of entries %d", i, sh.bytes, sum)
		}
		if sh.bytes > c.maxBytes {
			t.Errorf("shard %d: got %d bytes, want at most %d", i, sh.bytes, c.maxBytes)
		}
		sh.mu.Unlock()
	}
}

// TestTokenCacheKeepsUsedEntries shows the CLOCK policy: an entry read
// between insertions survives a flood of one-off tokens.
func TestTokenCacheKeepsUsedEntries(t *testing.T) {
	now := time.Unix(1_767_139_200, 0)
	s := decodedSession(t)
	c := newTokenCache[User](1 << 20)
	hot := syntheticToken(-1, 590)
	c.put(hot, s, now.Add(time.Hour))
	for i := range 10_000 {
		if _, ok := c.get(hot, now); !ok {
			t.Fatalf("hot entry evicted after %d insertions", i)
		}
		c.put(syntheticToken(i, 590), s, now.Add(time.Hour))
	}
	checkCacheInvariants(t, c)
}

// TestTokenCacheShardsEvenly checks that real-looking tokens spread over
// all shards, so the whole budget is usable.
func TestTokenCacheShardsEvenly(t *testing.T) {
	var counts [cacheShards]int
	const n = 16_000
	for i := range n {
		counts[tokenDigest(syntheticToken(i, 590))%cacheShards]++
	}
	for i, got := range counts {
		if want := n / cacheShards; got < want/2 || got > want*2 {
			t.Errorf("shard %d: got %d tokens, want about %d", i, got, want)
		}
	}
}

// TestTokenCacheMemoryBound fills a 1 MiB cache far past its bound and
// checks that the accounted bytes never exceed it and that the heap the
// cache keeps alive stays near it.
func TestTokenCacheMemoryBound(t *testing.T) {
	const bound = 1 << 20
	n := 50_000 // about 80 times what fits
	if testing.Short() || raceEnabled {
		n = 10_000
	}
	now := time.Unix(1_767_139_200, 0)
	heapBefore := heapInUse()
	c := newTokenCache[User](bound)
	for i := range n {
		// Each entry owns its decoded session, as a decrypted one does.
		c.put(syntheticToken(i, 590), decodedSession(t), now.Add(time.Hour))
		if i%1000 == 0 {
			if b, _ := c.usage(); b > bound {
				t.Fatalf("after %d tokens: got %d accounted bytes, want at most %d", i, b, bound)
			}
		}
	}
	checkCacheInvariants(t, c)
	bytes, entries := c.usage()
	heap := heapInUse() - heapBefore
	runtime.KeepAlive(c)
	t.Logf("%d tokens in: %d entries, %d accounted bytes, %d bytes of heap (%.2f× the bound)", n, entries, bytes, heap, float64(heap)/bound)
	if bytes > bound {
		t.Errorf("got %d accounted bytes, want at most %d", bytes, bound)
	}
	if s := decodedSession(t); entries < bound/entrySize(syntheticToken(0, 590), &s)/2 {
		t.Errorf("got %d entries, want the budget mostly used", entries)
	}
	if heap > 2*bound {
		t.Errorf("got %d bytes of heap, want at most %d (2× the bound)", heap, 2*bound)
	}
}

// oauthSessionJSON is the bench module's payload (internal/benchdata): a
// user with id, email, name and avatar URL, a 140-character access token
// and a 103-character refresh token; its token is 1,033 characters.
const oauthSessionJSON = `{"user":{"id":"u_8f14e45fceea167a5a36dedd4bea2543","email":"ada.lovelace@example.com",` +
	`"name":"Ada Lovelace","image":"https://lh3.googleusercontent.com/a/ACg8ocJ4kQ2Vn7sXwZ9pL1dR5tYbM3eHcF8u=s96-c"},` +
	`"accessToken":"ya29.a0AfB_byCx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pzx7Qm2Lk9Pz3vT8wR0sNq0175Ab",` +
	`"refreshToken":"1//0gL5cWq4Ht8Rz1KaWq4Ht8Rz1KaWq4Ht8Rz1KaWq4Ht8Rz1KaWq4Ht8Rz1KaWq4Ht8Rz1KaWq4Ht8Rz1KanE3mPq7Tz2Bv9YdX-F",` +
	`"expiresAt":1767225600000,"expiryDate":"2026-01-01T00:00:00.000Z","createdAt":1767139200000,"lastActivity":1767139200000}`

// TestTokenCacheEntrySize checks that the accounted size of an entry is
// what it keeps alive, a token and its own freshly decoded session: at
// least that, and at most 20% more.
func TestTokenCacheEntrySize(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation sizes")
	}
	tests := []struct {
		name     string
		json     string
		tokenLen int
	}{
		{"OAuth payload", oauthSessionJSON, 1033},
		{"extra user fields", testSessionJSON, 590},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 2000
			now := time.Unix(1_767_139_200, 0)
			toks := make([]string, n)
			for i := range toks {
				toks[i] = syntheticToken(i, tt.tokenLen)
			}
			c := newTokenCache[User](1 << 30)
			var s Session[User]
			heapBefore := heapInUse()
			for _, tok := range toks {
				// Each entry owns its decoded session, as a decrypted one does.
				s = Session[User]{}
				if err := s.UnmarshalJSON([]byte(tt.json)); err != nil {
					t.Fatal(err)
				}
				s.ID = newSessionID()
				c.put(tok, s, now.Add(time.Hour)) // keeps a copy of tok
			}
			perEntry := (heapInUse() - heapBefore) / n
			runtime.KeepAlive(c)
			runtime.KeepAlive(toks)
			charged := entrySize(syntheticToken(0, tt.tokenLen), &s)
			t.Logf("entry of a %d-byte token: %d bytes of heap, %d charged", tt.tokenLen, perEntry, charged)
			if perEntry > charged {
				t.Errorf("got %d bytes of heap per entry, want at most the %d charged", perEntry, charged)
			}
			if charged > perEntry*6/5 {
				t.Errorf("got %d bytes charged per entry, want at most 20%% over the %d of heap", charged, perEntry)
			}
		})
	}
}

func heapInUse() int {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int(m.HeapAlloc)
}

func TestTokenCacheConcurrent(t *testing.T) {
	now := time.Unix(1_767_139_200, 0)
	s := decodedSession(t)
	c := newTokenCache[User](256 << 10) // room for about half the tokens
	var wg sync.WaitGroup
	var hits atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				tok := syntheticToken(i%300, 590)
				switch (g + i) % 5 {
				case 0:
					c.put(tok, s, now.Add(time.Hour))
				case 1:
					c.remove(tok)
				default:
					if got, ok := c.get(tok, now); ok {
						hits.Add(1)
						if got.ID != s.ID {
							t.Errorf("got session id %q, want %q", got.ID, s.ID)
						}
					}
				}
			}
		})
	}
	wg.Wait()
	checkCacheInvariants(t, c)
	if hits.Load() == 0 {
		t.Error("got no cache hits")
	}
}

// TestCacheHitAllocs fails when the common request — a cookie already
// verified — starts allocating: none for GetSession, none for reading the
// cookie.
func TestCacheHitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations; scripts/steps/60-bench.sh runs this without -race")
	}
	auth, err := NextAuthSession(Config[User]{Secret: "alloc-test-secret-0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	s := decodedSession(t)
	s.CreatedAt, s.LastActivity = time.UnixMilli(time.Now().UnixMilli()), time.UnixMilli(time.Now().UnixMilli())
	s.ExpiresAt = s.CreatedAt.Add(time.Hour)
	tok, err := auth.EncryptSession(s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodGet, "http://example.com/dashboard", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Cookie", "theme=dark; session="+tok+"; lang=en")
	if _, ok := auth.GetSession(r); !ok { // first sight: decrypt and cache
		t.Fatal("got no session, want one")
	}
	tests := []struct {
		name string
		max  float64
		f    func()
	}{
		{"GetSession cache hit", 0, func() {
			if _, ok := auth.GetSession(r); !ok {
				t.Fatal("got no session, want one")
			}
		}},
		{"cookies.Read single cookie", 0, func() {
			if _, ok := cookies.Read(r.Header, "session", DefaultMaxCookieBytes); !ok {
				t.Fatal("got no cookie, want one")
			}
		}},
		{"cookies.Read absent cookie", 0, func() {
			if _, ok := cookies.Read(r.Header, "other", DefaultMaxCookieBytes); ok {
				t.Fatal("got a cookie, want none")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.f); got > tt.max {
				t.Errorf("got %v allocations, want at most %v", got, tt.max)
			}
		})
	}
}

// TestCacheExpiryWithinLive: a cache entry expires no later than the
// token rules (tokens.live) allow its session, so a hit needs no second
// check: for sessions ending by expiry (with and without milliseconds)
// and by maximum lifetime, live passes until the entry's last instant.
func TestCacheExpiryWithinLive(t *testing.T) {
	tk := &tokens[User]{leeway: 5 * time.Second, maxLifetime: 30 * 24 * time.Hour}
	base := time.UnixMilli(1_767_139_200_123)
	for _, s := range []Session[User]{
		{CreatedAt: base, ExpiresAt: base.Add(time.Hour)},
		{CreatedAt: base, ExpiresAt: base.Add(time.Hour).Truncate(time.Second)},
		{CreatedAt: base.Add(-30*24*time.Hour + time.Minute), ExpiresAt: base.Add(time.Hour)},
		{CreatedAt: time.UnixMilli(-5_500), ExpiresAt: time.UnixMilli(-1_500)},
	} {
		end := tk.cacheExpiry(&s)
		if err := tk.live(s.ExpiresAt, s.CreatedAt, end.Add(-time.Nanosecond)); err != nil {
			t.Errorf("created %v, expires %v: live at the cache entry's last instant: %v", s.CreatedAt, s.ExpiresAt, err)
		}
	}
}
