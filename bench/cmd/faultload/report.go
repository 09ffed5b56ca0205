package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// summary is the result of a run.
type summary struct {
	Requests  int                       `json:"requests"`
	Seconds   float64                   `json:"seconds"`
	ByOutcome map[string]map[string]int `json:"byOutcome"` // op → outcome → count
	Statuses  map[int]int               `json:"statuses"`
	Outages   []outageReport            `json:"outages"`
	Latency   map[string]latency        `json:"latency"` // "outage", "normal"
	// ToleratedAcceptances counts replays of a logout that failed during
	// an outage which the other instance still served within the grace
	// period after the store came back (before the retry landed).
	ToleratedAcceptances int `json:"toleratedAcceptances"`
	// ToleratedStale counts replays of superseded tokens served within
	// the generation grace after the update that superseded them;
	// StaleLivePast the replays, past the grace, of superseded tokens
	// whose session was still live (those the generations refuse).
	ToleratedStale int `json:"toleratedStale"`
	StaleLivePast  int `json:"staleLivePast"`
	// Landing is how long after the store came back the other instance
	// first refused a logged-out cookie whose revocation was pending (an
	// upper bound: it is polled every landingPoll).
	Landing latency `json:"landing"`
	// Stray503 counts 503s while the store was up (past the grace), out of
	// UpRequests requests made then.
	Stray503     int     `json:"stray503"`
	UpRequests   int     `json:"upRequests"`
	GraceSeconds float64 `json:"graceSeconds"`
	// GenGraceSeconds is the generation grace the run allowed.
	GenGraceSeconds float64 `json:"generationGraceSeconds"`
	// Slowest are the five slowest requests.
	Slowest []string `json:"slowest"`
	// DriverPauseMs is the driver's own longest scheduling pause: the
	// machine's stalls, not the code's.
	DriverPauseMs float64  `json:"driverPauseMs"`
	Violations    []string `json:"violations"`
}

type outageReport struct {
	What     string  `json:"what"`
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"requests"`
	// SignIn and Read: from the store's return to the first successful
	// sign-in and the first successful authenticated read started after
	// it; -1 when none happened.
	SignIn float64 `json:"signInRecoverySeconds"`
	Read   float64 `json:"readRecoverySeconds"`
}

type latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50ms"`
	P99 float64 `json:"p99ms"`
	Max float64 `json:"maxms"`
}

func newLatency(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return latency{N: len(ds), P50: ms(ds[len(ds)/2]), P99: ms(ds[len(ds)*99/100]), Max: ms(ds[len(ds)-1])}
}

func (d *driver) summarize() summary {
	outs := d.phases.outages()
	recs := d.log.recs
	s := summary{
		Requests:        len(recs),
		Seconds:         d.stop.Sub(d.start).Seconds(),
		ByOutcome:       map[string]map[string]int{},
		Statuses:        map[int]int{},
		Latency:         map[string]latency{},
		GraceSeconds:    d.cfg.grace.Seconds(),
		GenGraceSeconds: d.cfg.genGrace.Seconds(),
		DriverPauseMs:   float64(d.pause.Load()) / 1e6,
	}
	var inOutage, normal []time.Duration
	violate := func(format string, args ...any) { s.Violations = append(s.Violations, fmt.Sprintf(format, args...)) }
	for _, r := range recs {
		if s.ByOutcome[r.op] == nil {
			s.ByOutcome[r.op] = map[string]int{}
		}
		s.ByOutcome[r.op][r.outcome]++
		s.Statuses[r.status]++
		end := r.start.Add(r.latency)
		if during(outs, r.start, end, 0) {
			inOutage = append(inOutage, r.latency)
		} else if !during(outs, r.start, end, d.cfg.grace) {
			normal = append(normal, r.latency)
			s.UpRequests++
		}
		at := r.start.Sub(d.start).Seconds()
		if r.staleOf != nil && r.staleLive && r.start.After(r.staleOf.at.Add(d.cfg.genGrace)) {
			s.StaleLivePast++
		}
		switch r.outcome {
		case outError:
			violate("%s on instance %d at %.1fs: no response", r.op, r.target, at)
		case outOther:
			violate("%s on instance %d at %.1fs: unexpected status %d", r.op, r.target, at, r.status)
		case outUnavailable:
			if !during(outs, r.start, end, d.cfg.grace) {
				s.Stray503++
			}
		case outServed:
			switch v := r.replayOf; {
			case r.staleOf != nil && !r.start.After(r.staleOf.at.Add(d.cfg.genGrace)):
				s.ToleratedStale++
			case r.staleOf != nil:
				violate("%s on instance %d at %.1fs: a token superseded %.1fs earlier was served (generation grace %v)",
					r.op, r.target, at, r.start.Sub(r.staleOf.at).Seconds(), d.cfg.genGrace)
			case d.tolerated(outs, r):
				s.ToleratedAcceptances++
			case v != nil:
				violate("%s on instance %d at %.1fs: a revoked token was served (logout on instance %d at %.1fs, pending %v)",
					r.op, r.target, at, v.target, v.at.Sub(d.start).Seconds(), v.pending)
			default:
				violate("%s on instance %d at %.1fs: an unrecorded token was served", r.op, r.target, at)
			}
		}
	}
	if limit := d.cfg.maxStray * float64(s.UpRequests); float64(s.Stray503) > limit {
		violate("%d requests got a 503 while the store was up, more than %.1f%% of the %d made then", s.Stray503, 100*d.cfg.maxStray, s.UpRequests)
	}
	s.Latency["outage"], s.Latency["normal"] = newLatency(inOutage), newLatency(normal)
	slow := slices.Clone(recs)
	slices.SortFunc(slow, func(a, b record) int { return cmp.Compare(b.latency, a.latency) })
	for _, r := range slow[:min(5, len(slow))] {
		s.Slowest = append(s.Slowest, fmt.Sprintf("%s on instance %d at %.1fs: %v, %d %s",
			r.op, r.target, r.start.Sub(d.start).Seconds(), r.latency.Round(time.Millisecond), r.status, r.outcome))
	}
	s.Landing = newLatency(d.landing.d)
	if n := d.landing.nLate; n > 0 {
		violate("%d logouts that failed during an outage were still accepted by the other instance %v after the store was back", n, d.cfg.grace)
	}
	for _, o := range outs {
		s.Outages = append(s.Outages, d.outageReport(o, recs))
	}
	s.sanity(d, outs)
	return s
}

// tolerated reports whether a served replay is the documented window: a
// logout that failed (pending on the instance that took it), replayed on
// another instance no later than grace after the store was back.
func (d *driver) tolerated(outs []outage, r record) bool {
	v := r.replayOf
	if r.op != opReplay || v == nil || !v.pending || v.target < 0 || v.target == r.target {
		return false
	}
	back, ok := recovered(outs, v.at)
	return ok && !r.start.After(back.Add(d.cfg.grace))
}

func (d *driver) outageReport(o outage, recs []record) outageReport {
	rep := outageReport{What: o.what, SignIn: -1, Read: -1}
	end := o.to
	if end.IsZero() {
		end = d.stop
	}
	rep.Seconds = end.Sub(o.from).Seconds()
	for _, r := range recs {
		if !r.start.Before(o.from) && r.start.Before(end) {
			rep.Requests++
		}
		if o.to.IsZero() || r.start.Before(o.to) || r.outcome != outOK {
			continue
		}
		since := r.start.Add(r.latency).Sub(o.to).Seconds()
		if r.op == opSignIn && (rep.SignIn < 0 || since < rep.SignIn) {
			rep.SignIn = since
		}
		if (r.op == opRead || r.op == opPage) && (rep.Read < 0 || since < rep.Read) {
			rep.Read = since
		}
	}
	return rep
}

// sanity adds violations for a run that did not test what it should: no
// requests during an outage, or no recovery after one.
func (s *summary) sanity(d *driver, outs []outage) {
	for i, o := range s.Outages {
		if o.Requests == 0 {
			s.Violations = append(s.Violations, fmt.Sprintf("outage %d (%s): no requests during it", i+1, o.What))
		}
		if outs[i].to.IsZero() {
			s.Violations = append(s.Violations, fmt.Sprintf("outage %d (%s): the store never came back", i+1, o.What))
			continue
		}
		if d.stop.Sub(outs[i].to) > d.cfg.grace && (o.SignIn < 0 || o.Read < 0) {
			s.Violations = append(s.Violations, fmt.Sprintf("outage %d (%s): no successful sign-in and read after it", i+1, o.What))
		}
	}
	if s.Requests == 0 {
		s.Violations = append(s.Violations, "no requests at all")
	}
}

func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "\n%d requests in %.0f s\n\n", s.Requests, s.Seconds)
	outcomes := []string{outOK, outNoSession, outUnavailable, outServed, outOther, outError}
	fmt.Fprintf(w, "| operation | %s |\n|---|%s\n", strings.Join(outcomes, " | "), strings.Repeat("---:|", len(outcomes)))
	for _, op := range []string{opSignIn, opRead, opPage, opRefresh, opUpdate, opLogout, opReplay, opStale, opForged} {
		fmt.Fprintf(w, "| %s |", op)
		for _, o := range outcomes {
			fmt.Fprintf(w, " %d |", s.ByOutcome[op][o])
		}
		fmt.Fprintln(w)
	}
	var codes []int
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	fmt.Fprint(w, "\nHTTP statuses:")
	for _, c := range codes {
		fmt.Fprintf(w, " %d×%d", c, s.Statuses[c])
	}
	fmt.Fprint(w, "\n\n| outage | seconds | requests | first sign-in after | first read after |\n|---|---:|---:|---:|---:|\n")
	for _, o := range s.Outages {
		fmt.Fprintf(w, "| %s | %.1f | %d | %s | %s |\n", o.What, o.Seconds, o.Requests, secs(o.SignIn), secs(o.Read))
	}
	fmt.Fprint(w, "\n| latency | requests | p50 | p99 | max |\n|---|---:|---:|---:|---:|\n")
	for _, k := range []string{"normal", "outage"} {
		l := s.Latency[k]
		fmt.Fprintf(w, "| %s | %d | %.1f ms | %.1f ms | %.1f ms |\n", k, l.N, l.P50, l.P99, l.Max)
	}
	fmt.Fprintf(w, "\nslowest: %s\n", strings.Join(s.Slowest, "; "))
	fmt.Fprintf(w, "the load driver's own longest pause (a 10 ms sleep that woke late: the machine, not the code): %.0f ms\n", s.DriverPauseMs)
	fmt.Fprintf(w, "\nlogouts that failed during an outage (503, revocation pending): the other instance refused the cookie "+
		"within p50 %.0f ms, max %.0f ms of the store coming back (%d timed, polled every %v); "+
		"replays it served before that, within the %.0f s grace: %d\n",
		s.Landing.P50, s.Landing.Max, s.Landing.N, landingPoll, s.GraceSeconds, s.ToleratedAcceptances)
	fmt.Fprintf(w, "\n503s while the store was up (a call past its deadline): %d of %d requests\n", s.Stray503, s.UpRequests)
	fmt.Fprintf(w, "revoked or unrecorded tokens served (outside that window): %d\n", s.ByOutcome[opReplay][outServed]+s.ByOutcome[opForged][outServed]-s.ToleratedAcceptances)
	fmt.Fprintf(w, "superseded tokens (replaced by an update) served within the %.0f s generation grace: %d; past it: %d "+
		"(of %d replayed past it while their session was live)\n",
		s.GenGraceSeconds, s.ToleratedStale, s.ByOutcome[opStale][outServed]-s.ToleratedStale, s.StaleLivePast)
	if len(s.Violations) == 0 {
		fmt.Fprintln(w, "violations: none")
		return
	}
	fmt.Fprintf(w, "VIOLATIONS: %d\n", len(s.Violations))
	for i, v := range s.Violations {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more\n", len(s.Violations)-20)
			break
		}
		fmt.Fprintln(w, "  "+v)
	}
}

func secs(v float64) string {
	if v < 0 {
		return "none"
	}
	return fmt.Sprintf("%.2f s", v)
}
