package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
	"github.com/redis/go-redis/v9"
)

// The load of the failover test: application instances on one Redis
// Cluster, driven through their HTTP handlers (sign-in, GET and DELETE
// /api/session) by workers that sign in, read, log out, and replay the
// cookies of earlier logouts.

// instance is one application instance: its own cluster client, store
// and AuthSession, and the handler a load balancer would send requests to.
type instance struct {
	auth *authsession.AuthSession[authsession.User]
	h    http.Handler
}

// newInstance returns an instance on the cluster at addrs, keys under pfx.
func newInstance(t testing.TB, addrs []string, pfx string, so redisstore.Options) *instance {
	t.Helper()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	so.Prefix = pfx
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: secret,
		Logger: slog.New(slog.DiscardHandler),
		Store:  redisstore.New(rdb, so),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/session", auth.Handlers)
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.CreateSession(w, r, authsession.User{ID: r.URL.Query().Get("user")}); err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, authsession.ErrStore) {
				status = http.StatusServiceUnavailable
			}
			http.Error(w, "could not sign in", status)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return &instance{auth: auth, h: mux}
}

// outcome names what a response meant.
const (
	outOK         = "ok"         // a sign-in, a read that found the session, a logout
	outNone       = "no session" // a read answered {"session": null}
	outDown       = "503"        // the store could not answer
	outServed     = "SERVED"     // a replayed logged-out cookie read as a session
	outUnexpected = "unexpected" // anything else, a panic included
)

// do sends one request to the instance and returns the response; a panic
// in the handler is a 599 response, counted as unexpected.
func (in *instance) do(method, target string, cookies []*http.Cookie) (rec *httptest.ResponseRecorder) {
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(method, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	defer func() {
		if p := recover(); p != nil {
			rec = httptest.NewRecorder()
			rec.WriteHeader(599)
		}
	}()
	in.h.ServeHTTP(rec, req)
	return rec
}

// readOutcome classifies a GET /api/session response: the session API
// answers 503 when the store cannot.
func readOutcome(rec *httptest.ResponseRecorder) string {
	if rec.Code == http.StatusServiceUnavailable {
		return outDown
	}
	if rec.Code != http.StatusOK {
		return outUnexpected
	}
	var body struct {
		Session json.RawMessage `json:"session"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		return outUnexpected
	}
	if string(body.Session) == "null" {
		return outNone
	}
	return outOK
}

// statusOutcome classifies a sign-in (204) or logout (200) response.
func statusOutcome(rec *httptest.ResponseRecorder, ok int) string {
	switch rec.Code {
	case ok:
		return outOK
	case http.StatusServiceUnavailable:
		return outDown
	}
	return outUnexpected
}

// logout is a logout the load made: the cookies it ended, whose user,
// which instance took it, and whether it was acknowledged (200) or
// answered 503 (the revocation pending on that instance).
type logout struct {
	user     string
	cookies  []*http.Cookie
	instance int
	acked    bool
}

// Phases of a scenario's load.
const (
	before = iota // until the kill
	during        // from the kill until every node says cluster_state:ok
	after         // from then on
)

var phaseNames = [...]string{"before the kill", "during the failover", "after it"}

// tally counts outcomes per operation ("sign-in ok", …) and phase, and
// keeps the logouts for replays and the final check.
type tally struct {
	mu      sync.Mutex
	phases  [3]map[string]int
	logouts []logout
	marks   [2]time.Time // the kill, the recovery; zero until they happen
	first   time.Time    // the first successful sign-in after the recovery
	waits   []countWait
}

// countWait is a channel closed once a phase has counted n of an "op
// outcome".
type countWait struct {
	phase int
	key   string
	n     int
	ch    chan struct{}
}

// reached returns a channel closed once the phase has counted n responses
// of op with outcome.
func (ty *tally) reached(phase int, op, outcome string, n int) <-chan struct{} {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	w := countWait{phase, op + " " + outcome, n, make(chan struct{})}
	if ty.phases[phase][w.key] >= n {
		close(w.ch)
	} else {
		ty.waits = append(ty.waits, w)
	}
	return w.ch
}

func newTally() *tally {
	return &tally{phases: [3]map[string]int{{}, {}, {}}}
}

func (ty *tally) add(op, outcome string) {
	now := time.Now()
	ty.mu.Lock()
	defer ty.mu.Unlock()
	p := before
	for i, m := range ty.marks {
		if !m.IsZero() && !now.Before(m) {
			p = i + 1
		}
	}
	key := op + " " + outcome
	ty.phases[p][key]++
	ty.waits = slices.DeleteFunc(ty.waits, func(w countWait) bool {
		if w.phase == p && w.key == key && ty.phases[p][key] >= w.n {
			close(w.ch)
			return true
		}
		return false
	})
	if p == after && op == "sign-in" && outcome == outOK && ty.first.IsZero() {
		ty.first = now
	}
}

func (ty *tally) addLogout(l logout) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	ty.logouts = append(ty.logouts, l)
}

// replayable returns a random earlier logout, if any.
func (ty *tally) replayable(rng *rand.Rand) (logout, bool) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	if len(ty.logouts) == 0 {
		return logout{}, false
	}
	return ty.logouts[rng.IntN(len(ty.logouts))], true
}

// mark records the kill (0) or the recovery (1).
func (ty *tally) mark(i int, at time.Time) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	ty.marks[i] = at
}

// count returns how many responses of the phase (or of every phase, for
// -1) had the outcome (or any, for ""), for the operation (or any, for "").
func (ty *tally) count(phase int, op, outcome string) int {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	n := 0
	for p, m := range ty.phases {
		if phase >= 0 && p != phase {
			continue
		}
		for k, v := range m {
			o, oc, _ := strings.Cut(k, " ")
			if (op == "" || o == op) && (outcome == "" || oc == outcome) {
				n += v
			}
		}
	}
	return n
}

// String lists the outcomes of each phase.
func (ty *tally) String() string {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	var b strings.Builder
	for p, m := range ty.phases {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "\n  %s:", phaseNames[p])
		for _, k := range keys {
			fmt.Fprintf(&b, " %s×%d", k, m[k])
		}
	}
	return b.String()
}

// worker is one client of the load: until stop is closed, it signs in as
// a new user on a random instance, reads the session on another, logs out
// on a random one, and replays the cookies of a random earlier logout:
// an acknowledged one on any instance, a pending one on the instance that
// took it (which refuses it at once, whatever the store says).
func worker(id int, ins []*instance, ty *tally, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(id), 29))
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		user := fmt.Sprintf("w%d-%d", id, i)
		a := rng.IntN(len(ins))
		rec := ins[a].do("POST", "/login?user="+user, nil)
		ty.add("sign-in", statusOutcome(rec, http.StatusNoContent))
		if rec.Code != http.StatusNoContent {
			continue
		}
		cookies := rec.Result().Cookies()
		ty.add("read", readOutcome(ins[(a+1)%len(ins)].do("GET", "/api/session", cookies)))
		b := rng.IntN(len(ins))
		out := statusOutcome(ins[b].do("DELETE", "/api/session", cookies), http.StatusOK)
		ty.add("logout", out)
		if out == outOK || out == outDown {
			ty.addLogout(logout{user: user, cookies: cookies, instance: b, acked: out == outOK})
		}
		if l, ok := ty.replayable(rng); ok {
			target := l.instance
			if l.acked {
				target = rng.IntN(len(ins))
			}
			out := readOutcome(ins[target].do("GET", "/api/session", l.cookies))
			if out == outOK {
				out = outServed
			}
			ty.add("replay", out)
		}
	}
}

// runLoad starts n workers on ins and returns a function that stops them
// and waits until they have; the end of the test calls it too.
func runLoad(t testing.TB, n int, ins []*instance, ty *tally) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { worker(i, ins, ty, done) })
	}
	stop = sync.OnceFunc(func() { close(done); wg.Wait() })
	t.Cleanup(stop)
	return stop
}

// stillServed returns the logouts whose cookies a fresh instance (its own
// client, nothing cached, no pending revocations) reads as a session.
func stillServed(t testing.TB, addrs []string, pfx string, ls []logout) []logout {
	t.Helper()
	fresh := newInstance(t, addrs, pfx, redisstore.Options{})
	var out []logout
	for _, l := range ls {
		if readOutcome(fresh.do("GET", "/api/session", l.cookies)) != outNone {
			out = append(out, l)
		}
	}
	return out
}

// closeAll ends the instances' background work: each makes a last attempt
// at its pending revocations.
func closeAll(ins []*instance) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, in := range ins {
		in.auth.Close(ctx)
	}
}
