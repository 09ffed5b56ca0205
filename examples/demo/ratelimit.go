package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The demo's identities are self-asserted, so anyone can sign in as often
// as they like; without a limit one client could fill the memory store's
// MaxSessions with new users in seconds and lock everyone else out of
// signing in for the session lifetime. Sign-in attempts are therefore
// limited per client address with a token bucket (golang.org/x/time/rate).
//
// The client address is the connection's (http.Request.RemoteAddr): the
// demo has no trusted-proxy setting, so it never believes X-Forwarded-For
// or Forwarded, which any client can write. Behind a reverse proxy every
// client then shares the proxy's address and bucket: a real deployment
// reads the address its own proxy sets, and only from that proxy. An IPv4
// address is one client; an IPv6 client is its /64, the block one host
// usually holds, so that stepping through one's own addresses gains
// nothing.

// signInLimit configures the sign-in limiter: each client address may
// make Burst attempts at once, and gets them back at a steady rate over
// Per (Burst=10, Per=1m: ten at once, then one every 6 s). The zero value
// is the default, defaultSignInLimit.
type signInLimit struct {
	Burst int
	Per   time.Duration
	// Off turns the limit off: for the load tests only (scripts/faultload
	// signs in thousands of times a minute from one address).
	Off bool
	// MaxClients bounds how many client addresses the limiter remembers;
	// default 10,000 (about 2 MB). While every slot holds a client that
	// signed in recently, new addresses share one bucket (overflow), so a
	// flood of distinct addresses can neither grow the table nor get more
	// than one client's rate in all.
	MaxClients int
	// Now is the limiter's clock; default time.Now.
	Now func() time.Time
}

// defaultSignInLimit is SIGNIN_LIMIT=10/1m: a person signing in, out and
// in again never meets it; one client creates at most 10 + 30×10 = 310
// sessions in the demo's 30-minute session lifetime.
var defaultSignInLimit = signInLimit{Burst: 10, Per: time.Minute}

const defaultMaxClients = 10_000

// errBadSignInLimit reports a SIGNIN_LIMIT value that is not "off" or
// "N/duration".
var errBadSignInLimit = errors.New(`demo: SIGNIN_LIMIT must be "off" or sign-ins per duration, such as "10/1m"`)

// parseSignInLimit reads SIGNIN_LIMIT: empty for the default, "off", or
// "N/duration" (N from 1 to 1,000,000; duration as time.ParseDuration
// reads it, at least 1 ms).
func parseSignInLimit(s string) (signInLimit, error) {
	switch s = strings.TrimSpace(s); s {
	case "":
		return defaultSignInLimit, nil
	case "off":
		return signInLimit{Off: true}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	burst, err := strconv.Atoi(n)
	if !ok || err != nil || burst < 1 || burst > 1_000_000 {
		return signInLimit{}, fmt.Errorf("%w, got %q", errBadSignInLimit, s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Millisecond {
		return signInLimit{}, fmt.Errorf("%w, got %q", errBadSignInLimit, s)
	}
	return signInLimit{Burst: burst, Per: d}, nil
}

// withDefaults fills in the zero fields.
func (c signInLimit) withDefaults() signInLimit {
	if c.Burst <= 0 || c.Per <= 0 {
		c.Burst, c.Per = defaultSignInLimit.Burst, defaultSignInLimit.Per
	}
	if c.MaxClients <= 0 {
		c.MaxClients = defaultMaxClients
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// interval is the time in which a client gets one attempt back.
func (c signInLimit) interval() time.Duration { return c.Per / time.Duration(c.Burst) }

// signInLimiter holds a token bucket per client address. It is safe for
// concurrent use.
type signInLimiter struct {
	cfg   signInLimit
	limit rate.Limit
	log   *slog.Logger

	mu        sync.Mutex
	clients   map[netip.Prefix]*bucket
	overflow  *bucket   // shared by new addresses while clients is full
	lastSweep time.Time // of clients, for idle buckets
}

// bucket is one client's token bucket. limited records that its last
// attempt was refused, so that a refused streak is logged once, not once
// per attempt (a flood would otherwise flood the log too).
type bucket struct {
	lim     *rate.Limiter
	limited bool
}

// newSignInLimiter returns the limiter of cfg, or nil when cfg is off.
func newSignInLimiter(cfg signInLimit, log *slog.Logger) *signInLimiter {
	if cfg.Off {
		return nil
	}
	cfg = cfg.withDefaults()
	l := &signInLimiter{cfg: cfg, limit: rate.Every(cfg.interval()), log: log,
		clients: make(map[netip.Prefix]*bucket)}
	l.overflow = l.newBucket()
	return l
}

func (l *signInLimiter) newBucket() *bucket {
	return &bucket{lim: rate.NewLimiter(l.limit, l.cfg.Burst)}
}

// clientKey is the client a connection's address belongs to: the IPv4
// address, or the IPv6 /64. An address it cannot read (never the case for
// TCP) is one shared client, so it is limited too.
func clientKey(remoteAddr string) netip.Prefix {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return netip.Prefix{}
	}
	a := ap.Addr().Unmap().WithZone("")
	bits := 64
	if a.Is4() {
		bits = 32
	}
	p, _ := a.Prefix(bits)
	return p
}

// allow spends one of the client's attempts. When none is left it returns
// false and how long until one is back.
func (l *signInLimiter) allow(remoteAddr string) (bool, time.Duration) {
	key := clientKey(remoteAddr)
	now := l.cfg.Now()
	l.mu.Lock()
	b, shared := l.bucketOf(key, now)
	ok := b.lim.AllowN(now, 1)
	var wait time.Duration
	if !ok {
		wait = time.Duration((1 - b.lim.TokensAt(now)) / float64(l.limit) * float64(time.Second))
	}
	first := !ok && !b.limited // the first refusal of a streak
	b.limited = !ok
	l.mu.Unlock()

	if first {
		// Logged outside the lock: a slow log sink holds no other client.
		client := key.String()
		if !key.IsValid() {
			client = "unreadable address"
		}
		if shared {
			client = "any new client (the limiter tracks its maximum of " + strconv.Itoa(l.cfg.MaxClients) + " clients)"
		}
		l.log.Warn("demo: too many sign-ins: refusing them with 429 until the client's bucket refills",
			"client", client, "limit", strconv.Itoa(l.cfg.Burst)+"/"+l.cfg.Per.String())
	}
	return ok, wait
}

// bucketOf returns the bucket of key, creating it if there is room, else
// the shared overflow bucket (shared = true). l.mu must be held.
func (l *signInLimiter) bucketOf(key netip.Prefix, now time.Time) (b *bucket, shared bool) {
	if b := l.clients[key]; b != nil {
		return b, false
	}
	if len(l.clients) >= l.cfg.MaxClients && now.Sub(l.lastSweep) >= l.cfg.interval() {
		l.sweep(now)
	}
	if len(l.clients) >= l.cfg.MaxClients {
		return l.overflow, true
	}
	b = l.newBucket()
	l.clients[key] = b
	return b, false
}

// sweep forgets the clients whose bucket is full again: such a bucket is
// the same as a new one, so forgetting it changes no answer. It runs at
// most once per interval, so that a flood of new addresses against a full
// table does not make every request walk the table. l.mu must be held.
func (l *signInLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.clients {
		if b.lim.TokensAt(now) >= float64(l.cfg.Burst) {
			delete(l.clients, k)
		}
	}
}

// size returns how many clients the limiter remembers.
func (l *signInLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// limitSignIns wraps a handler that signs users in (POST /login, and any
// other sign-in route the demo grows): past the client's limit it answers
// 429 Too Many Requests with Retry-After and the login page saying why,
// and never calls h.
func (a *app) limitSignIns(h http.HandlerFunc) http.HandlerFunc {
	if a.signIns == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		ok, wait := a.signIns.allow(r.RemoteAddr)
		if ok {
			h(w, r)
			return
		}
		secs := max(1, int((wait+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		l := localeOf(r)
		a.renderLogin(w, r, http.StatusTooManyRequests, pageData{
			Error:       fmt.Sprintf(l.T("signin_limited"), secs),
			CallbackURL: localCallback(r.PostFormValue("callbackUrl")),
		})
	}
}

// signInLimitNote is the login page's sentence about the limit, or "" when
// there is none.
func (a *app) signInLimitNote(l locale) string {
	if a.signIns == nil {
		return ""
	}
	c := a.signIns.cfg
	return fmt.Sprintf(l.T("signin_limit_note"), c.Burst, formatSeconds(c.interval()))
}

// formatSeconds writes d in seconds, with a decimal only when needed: "6",
// "0.5".
func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
