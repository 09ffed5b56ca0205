package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/memstore"
)

// newTestClock is a clock the test moves by hand.
func newTestClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
}

// postLogin posts the sign-in form to h from the client address remote.
func postLogin(h http.Handler, remote, name string, header ...string) *httptest.ResponseRecorder {
	form := url.Values{"name": {name}, "role": {"user"}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestSignInFloodFromOneClient: one client signs in 10,000 times in a
// moment under new names, which without a limit would fill the memory
// store's 10,000 sessions (the demo's MaxSessions) and lock everyone else
// out for the session lifetime. With the default limit it
// gets 10 sessions and then 429s with Retry-After; the store keeps room,
// other clients sign in, and the log says once that the client is limited.
func TestSignInFloodFromOneClient(t *testing.T) {
	clock := newTestClock()
	logs := &testenv.Buffer{}
	store := memstore.New(memstore.Options{MaxSessions: 10_000})
	h, err := newApp(options{Secret: testSecret, Store: store, StoreName: "memory",
		Logger: slog.New(slog.NewTextHandler(logs, nil)), SignInLimit: signInLimit{Now: clock.Now}})
	if err != nil {
		t.Fatal(err)
	}
	const flooder = "203.0.113.7:40000"
	status := map[int]int{}
	for i := range 10_000 {
		rec := postLogin(h, flooder, fmt.Sprintf("Flood %d", i))
		status[rec.Code]++
		if rec.Code == http.StatusTooManyRequests && status[rec.Code] == 1 {
			if got, want := rec.Header().Get("Retry-After"), "6"; got != want {
				t.Errorf("Retry-After: got %q, want %q", got, want)
			}
			if body := rec.Body.String(); !strings.Contains(body, "Too many sign-ins from your network address. Try again in 6 s.") {
				t.Errorf("the 429 page does not say why:\n%s", body)
			}
			if c := rec.Result().Cookies(); len(c) != 0 {
				t.Errorf("a refused sign-in set cookies: %v", c)
			}
		}
	}
	if got, want := status, map[int]int{http.StatusSeeOther: 10, http.StatusTooManyRequests: 9_990}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses of the flood: got %v, want %v", got, want)
	}

	// Other clients still sign in, and their session works.
	for i, remote := range []string{"198.51.100.2:50000", "[2001:db8:1::1]:50000", "192.0.2.1:1"} {
		rec := postLogin(h, remote, fmt.Sprintf("Other %d", i))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-in from %s after the flood: got status %d, want 303", remote, rec.Code)
		}
		req := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		dash := httptest.NewRecorder()
		h.ServeHTTP(dash, req)
		if dash.Code != http.StatusOK {
			t.Errorf("dashboard of the sign-in from %s: got status %d, want 200", remote, dash.Code)
		}
	}

	// The flooder gets one attempt back every 6 s, not more.
	clock.Add(6 * time.Second)
	for i, want := range []int{http.StatusSeeOther, http.StatusTooManyRequests} {
		if got := postLogin(h, flooder, fmt.Sprintf("Later %d", i)).Code; got != want {
			t.Errorf("flooder's attempt %d 6 s later: got %d, want %d", i, got, want)
		}
	}
	// One log line per refused streak (two here: the flood, and the
	// attempt after the one that was let through), naming the client.
	if got, want := strings.Count(logs.String(), "too many sign-ins"), 2; got != want {
		t.Errorf("log lines about the limit: got %d, want %d:\n%s", got, want, logs)
	}
	if !strings.Contains(logs.String(), "client=203.0.113.7/32") {
		t.Errorf("the log line does not name the client:\n%s", logs)
	}
}

// TestSignInLimitKeys: the limit is per connection address (no header can
// change it), and per /64 for IPv6, so rotating through one's own IPv6
// block or forging X-Forwarded-For gains nothing.
func TestSignInLimitKeys(t *testing.T) {
	tests := []struct {
		name    string
		remote  func(i int) string
		headers []string
	}{
		{"forged forwarding headers", func(int) string { return "203.0.113.9:1234" },
			[]string{"X-Forwarded-For", "", "Forwarded", "", "X-Real-IP", ""}},
		{"new source port each time", func(i int) string { return fmt.Sprintf("203.0.113.9:%d", 1000+i) }, nil},
		{"IPv6 addresses in one /64", func(i int) string { return fmt.Sprintf("[2001:db8:0:7::%x]:443", i+1) }, nil},
		{"IPv4-mapped IPv6 and IPv4", func(i int) string {
			if i%2 == 0 {
				return "[::ffff:203.0.113.9]:1"
			}
			return "203.0.113.9:2"
		}, nil},
		{"unreadable address", func(i int) string { return fmt.Sprintf("not-an-address-%d", i) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newApp(options{Secret: testSecret, SignInLimit: signInLimit{Now: newTestClock().Now}})
			if err != nil {
				t.Fatal(err)
			}
			ok := 0
			for i := range 30 {
				headers := append([]string(nil), tt.headers...)
				for j := 1; j < len(headers); j += 2 {
					headers[j] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
				}
				if postLogin(h, tt.remote(i), "Key", headers...).Code == http.StatusSeeOther {
					ok++
				}
			}
			if got, want := ok, defaultSignInLimit.Burst; got != want {
				t.Errorf("sign-ins let through: got %d, want %d", got, want)
			}
		})
	}
}

func TestClientKey(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"203.0.113.7:40000", "203.0.113.7/32"},
		{"[::ffff:203.0.113.7]:1", "203.0.113.7/32"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"203.0.113.7", "invalid Prefix"},
		{"", "invalid Prefix"},
		{"[::1]", "invalid Prefix"},
	}
	for _, tt := range tests {
		if got := clientKey(tt.remote).String(); got != tt.want {
			t.Errorf("clientKey(%q): got %s, want %s", tt.remote, got, tt.want)
		}
	}
}

// TestSignInLimiterBounded: a flood of distinct addresses never grows the
// limiter past MaxClients; while it is full of recent clients, new ones
// share one bucket (one client's rate in all); clients idle long enough to
// have a full bucket again are forgotten, which changes no answer.
func TestSignInLimiterBounded(t *testing.T) {
	clock := newTestClock()
	logs := &testenv.Buffer{}
	l := newSignInLimiter(signInLimit{Burst: 10, Per: time.Minute, MaxClients: 100, Now: clock.Now},
		slog.New(slog.NewTextHandler(logs, nil)))
	addr := func(i int) string {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		return netip.AddrPortFrom(a, 443).String()
	}
	allowed := 0
	for i := range 10_000 {
		if ok, _ := l.allow(addr(i)); ok {
			allowed++
		}
	}
	if got, want := l.size(), 100; got != want {
		t.Errorf("clients remembered: got %d, want %d", got, want)
	}
	// 100 clients with a bucket each, then 10 from the shared bucket.
	if got, want := allowed, 110; got != want {
		t.Errorf("attempts allowed: got %d, want %d", got, want)
	}
	if got := strings.Count(logs.String(), "any new client"); got != 1 {
		t.Errorf("log lines about the shared bucket: got %d, want 1:\n%s", got, logs)
	}

	// A remembered client keeps its own bucket: 9 attempts left.
	for i := range 10 {
		if ok, _ := l.allow(addr(0)); ok != (i < 9) {
			t.Errorf("client 0, attempt %d: got %v", i, ok)
		}
	}
	// After one interval every bucket but client 0's is full again: the
	// sweep forgets them, and new clients get their own bucket.
	clock.Add(6 * time.Second)
	for i := 20_000; i < 20_099; i++ {
		if ok, _ := l.allow(addr(i)); !ok {
			t.Fatalf("a new client after the sweep was refused")
		}
	}
	if got, want := l.size(), 100; got != want {
		t.Errorf("clients remembered after the sweep: got %d, want %d", got, want)
	}
	if ok, _ := l.allow(addr(0)); !ok {
		t.Error("client 0 did not get its attempt back after 6 s")
	}
	if ok, _ := l.allow(addr(0)); ok {
		t.Error("client 0 was forgotten by the sweep: its bucket was not full")
	}
}

func TestParseSignInLimit(t *testing.T) {
	tests := []struct {
		in    string
		want  signInLimit
		isErr bool
	}{
		{"", defaultSignInLimit, false},
		{"off", signInLimit{Off: true}, false},
		{" 10/1m ", signInLimit{Burst: 10, Per: time.Minute}, false},
		{"3/500ms", signInLimit{Burst: 3, Per: 500 * time.Millisecond}, false},
		{"10", signInLimit{}, true},
		{"0/1m", signInLimit{}, true},
		{"-1/1m", signInLimit{}, true},
		{"x/1m", signInLimit{}, true},
		{"10/", signInLimit{}, true},
		{"10/0s", signInLimit{}, true},
		{"10/1ns", signInLimit{}, true},
		{"10/-1m", signInLimit{}, true},
		{"2000000/1m", signInLimit{}, true},
		{"OFF", signInLimit{}, true},
	}
	for _, tt := range tests {
		got, err := parseSignInLimit(tt.in)
		if tt.isErr {
			if !errors.Is(err, errBadSignInLimit) {
				t.Errorf("parseSignInLimit(%q): got error %v, want errBadSignInLimit", tt.in, err)
			}
			continue
		}
		if err != nil || got.Burst != tt.want.Burst || got.Per != tt.want.Per || got.Off != tt.want.Off {
			t.Errorf("parseSignInLimit(%q): got %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
}

// TestLoginPageStatesTheLimit: the sign-in page says that sign-ins are
// limited per address, in both languages, and says nothing when the limit
// is off.
func TestLoginPageStatesTheLimit(t *testing.T) {
	for _, tt := range []struct {
		limit      signInLimit
		path, want string
	}{
		{signInLimit{}, "/login", "Sign-ins are limited per network address (the address this server sees: behind a proxy, the proxy&#39;s): 10 at once, then one every 6 s."},
		{signInLimit{Burst: 4, Per: 2 * time.Second}, "/ar/login", "4 دفعة واحدة، ثم محاولة كل 0.5 ث."},
		{signInLimit{Off: true}, "/login", ""},
	} {
		srv := newTestServer(t, options{SignInLimit: tt.limit})
		_, page := get(t, newClient(t), srv.URL+tt.path)
		if has := strings.Contains(page, `id="signin-limit"`); has != (tt.want != "") || !strings.Contains(page, tt.want) {
			t.Errorf("GET %s with %+v: want the note %q:\n%s", tt.path, tt.limit, tt.want, page)
		}
	}
}

// TestSignInLimiterConcurrent: attempts racing from one address and from
// many get exactly the burst each, however they interleave (run with
// -race).
func TestSignInLimiterConcurrent(t *testing.T) {
	l := newSignInLimiter(signInLimit{Burst: 10, Per: time.Minute, MaxClients: 50, Now: newTestClock().Now}, slog.New(slog.DiscardHandler))
	var (
		mu      sync.Mutex
		allowed = map[string]int{}
		wg      sync.WaitGroup
	)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				addr := fmt.Sprintf("198.51.100.%d:%d", i%20, g)
				if ok, _ := l.allow(addr); ok {
					mu.Lock()
					allowed[addr[:strings.IndexByte(addr, ':')]]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for i := range 20 {
		if got := allowed[fmt.Sprintf("198.51.100.%d", i)]; got != 10 {
			t.Errorf("198.51.100.%d: %d attempts allowed, want 10", i, got)
		}
	}
}
