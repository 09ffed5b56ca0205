// Command faultload drives the demo (examples/demo) with concurrent clients
// while scripts/faultload freezes, thaws, kills and restarts its Redis, and
// checks what the reliability bar asks:
//
//   - no request is served with a revoked or never-recorded token: clients
//     keep every token they logged out and replay it on both instances, and
//     replay tokens minted with the secret that no store ever recorded;
//   - no request is served with a superseded token past the generation
//     grace: clients keep the tokens an update (PATCH) replaced and replay
//     them on both instances;
//   - no 5xx other than 503, and 503 only while the store is down (plus a
//     grace period after it is back);
//
// and measures requests by outcome, latency during the outages, the time
// to recover after each, and how long after the store is back a logout
// that failed during the outage (503, revocation pending on the instance
// that took it) is refused by the other instance.
//
//	faultload -targets http://127.0.0.1:8081,http://127.0.0.1:8082 \
//		-secret "$SESSION_SECRET" -phases /tmp/phases -duration 60s
//
// scripts/faultload appends "<unix ms> down <what>" and "<unix ms> up
// <what>" lines to the -phases file as it injects faults; the driver reads
// it live and again at the end. It only talks to the targets (keep them on
// loopback) and stops after -duration or -max-requests, whichever comes
// first. It exits 1 if any check failed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authsession/authsession"
)

type config struct {
	targets     []string
	secret      string
	phases      string
	duration    time.Duration
	clients     int
	maxRequests int64
	think       time.Duration
	grace       time.Duration
	genGrace    time.Duration
	maxStray    float64
	jsonOut     string
}

func main() {
	var c config
	var targets string
	flag.StringVar(&targets, "targets", "", "comma-separated base URLs of the demo instances (loopback)")
	flag.StringVar(&c.secret, "secret", "", "the demos' SESSION_SECRET, to mint tokens no store recorded")
	flag.StringVar(&c.phases, "phases", "", "file of '<unix ms> down|up <what>' lines written by the fault injector")
	flag.DurationVar(&c.duration, "duration", time.Minute, "how long to run")
	flag.IntVar(&c.clients, "clients", 16, "concurrent clients")
	flag.Int64Var(&c.maxRequests, "max-requests", 150_000, "stop after this many requests")
	flag.DurationVar(&c.think, "think", 5*time.Millisecond, "pause between a client's requests")
	flag.DurationVar(&c.grace, "grace", 5*time.Second, "after the store is back: how long 503s, and a pending revocation accepted by another instance, are tolerated")
	flag.DurationVar(&c.genGrace, "generation-grace", 5*time.Second, "the demos' Config.GenerationGrace: how long a token an update superseded may still be served")
	flag.Float64Var(&c.maxStray, "max-stray-503", 0.01, "fraction of the requests made while the store was up that may get a 503 (a store call past its deadline on a loaded machine)")
	flag.StringVar(&c.jsonOut, "json", "", "also write the summary as JSON to this file")
	flag.Parse()
	for _, t := range strings.Split(targets, ",") {
		if t = strings.TrimSpace(t); t != "" {
			c.targets = append(c.targets, strings.TrimSuffix(t, "/"))
		}
	}
	if len(c.targets) < 2 || c.phases == "" {
		log.Fatal("faultload: need -targets with two instances and -phases")
	}
	ok, err := run(c)
	if err != nil {
		log.Fatal(err)
	}
	if !ok {
		os.Exit(1)
	}
}

// driver is the shared state of one run.
type driver struct {
	cfg     config
	http    *http.Client
	mint    func(user string) (string, error) // nil without -secret
	phases  *phaseLog
	start   time.Time
	stop    time.Time
	budget  atomic.Int64
	log     recordLog
	revoked revokedSet
	// superseded are tokens an update replaced.
	superseded staleSet
	landing    landingLog
	pause      atomic.Int64 // the driver's own longest scheduling pause, ns
}

func run(c config) (bool, error) {
	d := &driver{
		cfg: c,
		http: &http.Client{
			Timeout:       10 * time.Second,
			Transport:     &http.Transport{MaxIdleConnsPerHost: c.clients, IdleConnTimeout: time.Minute},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		phases: &phaseLog{path: c.phases},
	}
	if c.secret != "" {
		auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: authsession.Secret(c.secret)})
		if err != nil {
			return false, err
		}
		d.mint = func(user string) (string, error) {
			return auth.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: user}})
		}
	}
	d.budget.Store(c.maxRequests)
	d.start = time.Now()
	d.stop = d.start.Add(c.duration)
	ctx, cancel := context.WithDeadline(context.Background(), d.stop)
	defer cancel()
	go d.phases.follow(ctx)
	var wg sync.WaitGroup
	for w := range c.clients {
		wg.Add(1)
		go func() { defer wg.Done(); d.client(ctx, w) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); d.watchLanding(ctx) }()
	go func() { defer wg.Done(); d.watchPauses(ctx) }()
	wg.Wait()
	if err := d.phases.load(); err != nil {
		return false, err
	}
	s := d.summarize()
	s.print(os.Stdout)
	if c.jsonOut != "" {
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(c.jsonOut, b, 0o644); err != nil {
			return false, err
		}
	}
	return len(s.Violations) == 0, nil
}

// take spends one request of the budget; false once it is spent or the
// run is over.
func (d *driver) take(ctx context.Context) bool {
	return ctx.Err() == nil && d.budget.Add(-1) >= 0
}

// client is one simulated user agent: it signs in, uses its session, and
// logs out, over and over, on random instances.
func (d *driver) client(ctx context.Context, w int) {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
	var sess session
	gen := 0
	for d.take(ctx) {
		target := rng.IntN(len(d.cfg.targets))
		switch {
		case sess.token() == "":
			gen++
			// One client in four keeps its sessions (see session.lasting).
			sess = session{user: fmt.Sprintf("load-%d-%d", w, gen%3), ended: new(atomic.Bool), lasting: w%4 == 0}
			if !d.signIn(ctx, &sess, target) {
				// A person waits a moment before trying again.
				sleep(ctx, 100*time.Millisecond)
			}
		default:
			d.act(ctx, rng, &sess, target)
		}
		sleep(ctx, d.cfg.think)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// act does one thing with a signed-in session, or replays a revoked or
// forged token.
func (d *driver) act(ctx context.Context, rng *rand.Rand, s *session, target int) {
	switch p := rng.IntN(100); {
	case p < 30:
		d.read(ctx, s, target, opRead)
	case p < 42:
		d.read(ctx, s, target, opPage)
	case p < 52:
		d.write(ctx, s, target, opRefresh)
	case p < 62:
		d.write(ctx, s, target, opUpdate)
	case p < 72:
		if s.lasting {
			d.write(ctx, s, target, opUpdate)
		} else {
			d.logout(ctx, s, target)
		}
	case p < 88:
		d.replay(ctx, rng, target)
	case p < 94:
		d.stale(ctx, rng, target)
	default:
		d.forged(ctx, rng, target)
	}
}

// watchPauses measures how late a 10 ms sleep of the driver itself wakes
// up: a pause of seconds here means the whole machine stalled, and the
// latencies measured meanwhile say nothing about the code under test.
func (d *driver) watchPauses(ctx context.Context) {
	const tick = 10 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		sleep(ctx, tick)
		if late := time.Since(start) - tick; late > time.Duration(d.pause.Load()) {
			d.pause.Store(int64(late))
		}
	}
}
