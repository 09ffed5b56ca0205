package main

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// phaseLog reads the fault injector's log: lines "<unix ms> down <what>"
// when the store becomes unavailable and "<unix ms> up <what>" when it is
// back (answering again, or the cluster state ok).
type phaseLog struct {
	path   string
	mu     sync.Mutex
	events []phaseEvent
}

type phaseEvent struct {
	at   time.Time
	down bool
	what string
}

// outage is one interval during which the store was unavailable; to is
// zero when it never came back during the run.
type outage struct {
	from, to time.Time
	what     string
}

func (p *phaseLog) load() error {
	f, err := os.Open(p.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var events []phaseEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || (fields[1] != "down" && fields[1] != "up") {
			continue
		}
		ms, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		events = append(events, phaseEvent{time.UnixMilli(ms), fields[1] == "down", strings.Join(fields[2:], " ")})
	}
	p.mu.Lock()
	p.events = events
	p.mu.Unlock()
	return sc.Err()
}

// follow reloads the log every 50ms until ctx is done.
func (p *phaseLog) follow(ctx context.Context) {
	for ctx.Err() == nil {
		p.load()
		sleep(ctx, 50*time.Millisecond)
	}
}

// backUp returns when the store last came back, if it is up now after at
// least one outage.
func (p *phaseLog) backUp() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.events); n > 0 && !p.events[n-1].down {
		return p.events[n-1].at, true
	}
	return time.Time{}, false
}

// outages returns the intervals during which the store was unavailable.
func (p *phaseLog) outages() []outage {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []outage
	for _, e := range p.events {
		switch {
		case e.down && (len(out) == 0 || !out[len(out)-1].to.IsZero()):
			out = append(out, outage{from: e.at, what: e.what})
		case !e.down && len(out) > 0 && out[len(out)-1].to.IsZero():
			out[len(out)-1].to = e.at
		}
	}
	return out
}

// recovered returns the first time at or after t at which the store was
// up (t itself when it was up then), and false if it never was again.
func recovered(outs []outage, t time.Time) (time.Time, bool) {
	for _, o := range outs {
		if !t.Before(o.from) && (o.to.IsZero() || t.Before(o.to)) {
			return o.to, !o.to.IsZero()
		}
	}
	return t, true
}

// during reports whether [start, end] overlaps an outage extended by
// grace after it ended.
func during(outs []outage, start, end time.Time, grace time.Duration) bool {
	for _, o := range outs {
		if !end.Before(o.from) && (o.to.IsZero() || !start.After(o.to.Add(grace))) {
			return true
		}
	}
	return false
}
