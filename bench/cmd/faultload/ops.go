package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Operations, as they appear in the report.
const (
	opSignIn  = "sign-in"
	opRead    = "read"
	opPage    = "page"
	opRefresh = "refresh"
	opUpdate  = "update"
	opLogout  = "logout"
	opReplay  = "replay revoked"
	opStale   = "replay superseded"
	opForged  = "replay unrecorded"
)

// Outcomes of a request.
const (
	outOK          = "ok"         // served with the session (or the sign-in / logout worked)
	outNoSession   = "no session" // refused the token: 401, null session or redirect to the login page
	outUnavailable = "503"        // the store was unavailable
	outServed      = "SERVED"     // a revoked or unrecorded token was served (checked against the phases)
	outOther       = "other"      // any other status, such as a 5xx other than 503
	outError       = "transport"  // no HTTP response
	cookieName     = "session"    // the demo's cookie
	maxKeptTokens  = 4            // tokens of one session kept for replay after its logout
	landingWatched = 64           // pending logouts whose landing is timed per outage
	landingPoll    = 50 * time.Millisecond
	maxStale       = 20_000 // superseded tokens kept for replay
	lastingNulls   = 100    // refusals in a row after which a lasting session is lost
)

// session is a client's session: its user and every token it held (the
// newest last); all of them name the same session id.
type session struct {
	user   string
	tokens []string
	nulls  int          // consecutive "no session" answers
	ended  *atomic.Bool // logged out, or lost: set once it is over
	// lasting sessions are never logged out, so that the tokens their
	// updates supersede are still of a live session past the grace.
	lasting bool
}

func (s *session) token() string {
	if len(s.tokens) == 0 {
		return ""
	}
	return s.tokens[len(s.tokens)-1]
}

func (s *session) keep(tok string) {
	s.tokens = append(s.tokens, tok)
	if len(s.tokens) > maxKeptTokens {
		s.tokens = s.tokens[1:]
	}
}

// record is one request.
type record struct {
	op       string
	target   int
	start    time.Time
	latency  time.Duration
	status   int
	outcome  string
	replayOf *revocation   // for replays: whose logout
	staleOf  *supersession // for replays of superseded tokens
	// staleLive: the superseded token's session was live when replayed.
	staleLive bool
}

type recordLog struct {
	mu   sync.Mutex
	recs []record
}

func (l *recordLog) add(r record) {
	l.mu.Lock()
	l.recs = append(l.recs, r)
	l.mu.Unlock()
}

// revocation is a logged-out session: its tokens, the instance that took
// the logout and whether the revocation landed (200) or is pending (503).
type revocation struct {
	tokens  []string
	target  int
	at      time.Time
	pending bool
}

type revokedSet struct {
	mu      sync.Mutex
	list    []*revocation
	pending []*revocation // the logouts that failed: half the replays
}

func (r *revokedSet) add(v *revocation) {
	r.mu.Lock()
	r.list = append(r.list, v)
	if v.pending {
		r.pending = append(r.pending, v)
	}
	r.mu.Unlock()
}

// supersession is a token of a session that an update (PATCH) replaced
// by a token of the next generation: at is when the driver received the
// update's response, after the store took the new generation. Past at
// plus the generation grace, no instance may serve it.
type supersession struct {
	token string
	at    time.Time
	ended *atomic.Bool // the session's
}

// staleSet keeps the latest maxStale superseded tokens.
type staleSet struct {
	mu   sync.Mutex
	list []*supersession
	next int // ring position once full
}

func (s *staleSet) add(tokens []string, at time.Time, ended *atomic.Bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range tokens {
		v := &supersession{token: tok, at: at, ended: ended}
		if len(s.list) < maxStale {
			s.list = append(s.list, v)
			continue
		}
		s.list[s.next] = v
		s.next = (s.next + 1) % maxStale
	}
}

func (s *staleSet) pick(rng *rand.Rand) *supersession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) == 0 {
		return nil
	}
	return s.list[rng.IntN(len(s.list))]
}

func (r *revokedSet) pick(rng *rand.Rand) *revocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) > 0 && rng.IntN(2) == 0 {
		return r.pending[rng.IntN(len(r.pending))]
	}
	if len(r.list) == 0 {
		return nil
	}
	return r.list[rng.IntN(len(r.list))]
}

// do sends one request with tok as the session cookie and returns the
// response (body read and closed), the new token it set ("" when none, "-"
// when it cleared the cookie) and the latency.
func (d *driver) do(ctx context.Context, method, target, path, tok string, body io.Reader, ctype string) (*http.Response, []byte, string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, target+path, body)
	if err != nil {
		return nil, nil, "", 0, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: tok})
	}
	start := time.Now()
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, nil, "", time.Since(start), err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	lat := time.Since(start)
	set := ""
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			set = c.Value
			if c.MaxAge < 0 || c.Value == "" {
				set = "-"
			}
		}
	}
	return resp, b, set, lat, nil
}

// note records a request; transport errors after the run's end are not
// requests. of is the logout of a revoked token replayed.
func (d *driver) note(ctx context.Context, op string, target int, start time.Time, lat time.Duration, resp *http.Response, err error, outcome string, of *revocation) {
	d.noteRecord(ctx, record{op: op, target: target, start: start, latency: lat, outcome: outcome, replayOf: of}, resp, err)
}

func (d *driver) noteRecord(ctx context.Context, r record, resp *http.Response, err error) {
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		r.outcome = outError
	}
	if resp != nil {
		r.status = resp.StatusCode
	}
	d.log.add(r)
}

// signIn posts the login form; it reports whether the client got a session.
func (d *driver) signIn(ctx context.Context, s *session, target int) bool {
	form := url.Values{"name": {s.user}, "role": {"user"}}
	start := time.Now()
	resp, _, set, lat, err := d.do(ctx, http.MethodPost, d.cfg.targets[target], "/login", "", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	out := outOther
	switch {
	case err != nil:
	case resp.StatusCode == http.StatusSeeOther && set != "" && set != "-":
		out = outOK
		s.keep(set)
	case resp.StatusCode == http.StatusServiceUnavailable:
		out = outUnavailable
		if set != "" && set != "-" {
			// A cookie from a failed sign-in must be worthless: replay it.
			d.revoked.add(&revocation{tokens: []string{set}, target: -1, at: start})
		}
	}
	d.note(ctx, opSignIn, target, start, lat, resp, err, out, nil)
	return out == outOK
}

// read is GET /api/session (opRead) or GET /dashboard (opPage).
func (d *driver) read(ctx context.Context, s *session, target int, op string) {
	start := time.Now()
	out, resp, set, lat, err := d.probe(ctx, target, op, s.token())
	if set != "" && set != "-" {
		s.keep(set) // auto refresh
	}
	if out == outServed {
		out = outOK
	}
	if out == outNoSession {
		// Lost (expired, or the store lost it) after 3 refusals in a row;
		// a lasting session rides out an outage.
		if s.nulls++; s.nulls >= 3 && (!s.lasting || s.nulls >= lastingNulls) {
			s.tokens = nil // sign in again
			s.ended.Store(true)
		}
	} else {
		s.nulls = 0
	}
	d.note(ctx, op, target, start, lat, resp, err, out, nil)
}

// probe asks an instance whether tok is a session: outServed when it is,
// outNoSession when it is not.
func (d *driver) probe(ctx context.Context, target int, op, tok string) (string, *http.Response, string, time.Duration, error) {
	path := "/api/session"
	if op == opPage {
		path = "/dashboard"
	}
	resp, body, set, lat, err := d.do(ctx, http.MethodGet, d.cfg.targets[target], path, tok, nil, "")
	if err != nil {
		return outError, nil, "", lat, err
	}
	switch {
	case op == opPage && resp.StatusCode == http.StatusOK:
		return outServed, resp, set, lat, nil
	case op == opPage && resp.StatusCode/100 == 3 && strings.Contains(resp.Header.Get("Location"), "/login"):
		return outNoSession, resp, set, lat, nil
	case op != opPage && resp.StatusCode == http.StatusOK:
		var got struct {
			Session *json.RawMessage `json:"session"`
		}
		if json.Unmarshal(body, &got) == nil && got.Session != nil && string(*got.Session) != "null" {
			return outServed, resp, set, lat, nil
		}
		return outNoSession, resp, set, lat, nil
	case resp.StatusCode == http.StatusServiceUnavailable:
		return outUnavailable, resp, set, lat, nil
	}
	return outOther, resp, set, lat, nil
}

// write is POST /api/session (refresh) or PATCH /api/session (update).
func (d *driver) write(ctx context.Context, s *session, target int, op string) {
	method, body, ctype := http.MethodPost, "", ""
	if op == opUpdate {
		method, body, ctype = http.MethodPatch, fmt.Sprintf(`{"user":{"name":"Load %d"}}`, rand.IntN(1000)), "application/json"
	}
	start := time.Now()
	resp, _, set, lat, err := d.do(ctx, method, d.cfg.targets[target], "/api/session", s.token(), strings.NewReader(body), ctype)
	out := outOther
	switch {
	case err != nil:
	case resp.StatusCode == http.StatusOK:
		out = outOK
		if set != "" && set != "-" {
			s.keep(set)
			if op == opUpdate {
				// The update's new generation supersedes every token
				// the session had before.
				d.superseded.add(s.tokens[:len(s.tokens)-1], time.Now(), s.ended)
				s.tokens = s.tokens[len(s.tokens)-1:]
			}
		}
	case resp.StatusCode == http.StatusUnauthorized:
		out = outNoSession
	case resp.StatusCode == http.StatusServiceUnavailable:
		out = outUnavailable
	}
	d.note(ctx, op, target, start, lat, resp, err, out, nil)
}

// logout is DELETE /api/session. 200: the revocation landed; 503: it is
// pending on this instance. Either way the cookie must be cleared, and
// every token of the session is kept for replay.
func (d *driver) logout(ctx context.Context, s *session, target int) {
	start := time.Now()
	resp, _, set, lat, err := d.do(ctx, http.MethodDelete, d.cfg.targets[target], "/api/session", s.token(), nil, "")
	out := outOther
	if err == nil && set == "-" {
		switch resp.StatusCode {
		case http.StatusOK:
			out = outOK
		case http.StatusServiceUnavailable:
			out = outUnavailable
		}
	}
	if err == nil {
		d.revoked.add(&revocation{tokens: s.tokens, target: target, at: start, pending: out != outOK})
	}
	s.tokens, s.nulls = nil, 0
	s.ended.Store(true)
	d.note(ctx, opLogout, target, start, lat, resp, err, out, nil)
}

// replay sends a logged-out token to an instance: it must not be served.
func (d *driver) replay(ctx context.Context, rng *rand.Rand, target int) {
	v := d.revoked.pick(rng)
	if v == nil {
		return
	}
	op := opRead
	if rng.IntN(4) == 0 {
		op = opPage
	}
	start := time.Now()
	out, resp, _, lat, err := d.probe(ctx, target, op, v.tokens[rng.IntN(len(v.tokens))])
	d.note(ctx, opReplay, target, start, lat, resp, err, out, v)
}

// stale sends a token that an update superseded to an instance: past the
// generation grace it must not be served.
func (d *driver) stale(ctx context.Context, rng *rand.Rand, target int) {
	v := d.superseded.pick(rng)
	if v == nil {
		return
	}
	live := !v.ended.Load()
	start := time.Now()
	out, resp, _, lat, err := d.probe(ctx, target, opRead, v.token)
	d.noteRecord(ctx, record{op: opStale, target: target, start: start, latency: lat, outcome: out, staleOf: v, staleLive: live}, resp, err)
}

// forged sends a token minted with the secret that no store recorded: it
// must never be served, store up or down.
func (d *driver) forged(ctx context.Context, rng *rand.Rand, target int) {
	if d.mint == nil {
		return
	}
	tok, err := d.mint(fmt.Sprintf("ghost-%d", rng.IntN(1000)))
	if err != nil {
		return
	}
	start := time.Now()
	out, resp, _, lat, err := d.probe(ctx, target, opRead, tok)
	d.note(ctx, opForged, target, start, lat, resp, err, out, nil)
}

// watchLanding times how long after the store is back each logout that
// failed during the outage stays accepted by the other instance: once the
// store is up, it polls up to landingWatched of the logouts made before
// then, all in turn, until each is refused.
func (d *driver) watchLanding(ctx context.Context) {
	seen := map[*revocation]bool{}
	for ctx.Err() == nil {
		time.Sleep(landingPoll)
		up, ok := d.phases.backUp()
		if !ok {
			continue
		}
		var watch []*revocation
		d.revoked.mu.Lock()
		for _, v := range d.revoked.list {
			if v.pending && v.target >= 0 && v.at.Before(up) && !seen[v] && len(watch) < landingWatched {
				seen[v] = true
				watch = append(watch, v)
			}
		}
		d.revoked.mu.Unlock()
		for len(watch) > 0 && ctx.Err() == nil {
			left := watch[:0]
			for _, v := range watch {
				other := (v.target + 1) % len(d.cfg.targets)
				switch out, _, _, _, _ := d.probe(ctx, other, opRead, v.tokens[len(v.tokens)-1]); {
				case out == outNoSession:
					d.landing.add(time.Since(up))
				case time.Since(up) > d.cfg.grace:
					d.landing.late()
				default:
					left = append(left, v)
				}
			}
			watch = left
			time.Sleep(landingPoll)
		}
	}
}

type landingLog struct {
	mu    sync.Mutex
	d     []time.Duration
	nLate int // still accepted by the other instance past the grace
}

func (l *landingLog) late() {
	l.mu.Lock()
	l.nLate++
	l.mu.Unlock()
}

func (l *landingLog) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}
