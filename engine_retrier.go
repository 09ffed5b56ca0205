package authsession

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// This file is the retrying side of the pending revocations
// (engine_revocations.go): the goroutine that sends them to the store with
// backoff until they land or are moot, and its end (close, abandon).

// kick tells the retrying goroutine that the store answers again.
func (q *revocations) kick() {
	if q == nil || q.count.Load() == 0 {
		return
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run retries pending revocations until none is left or the revocations
// are closed. After a failed round it backs off, doubling from retryMin
// to retryMax, however many revocations are pending: a store that is down
// sees one attempt per backoff, not one per revocation.
func (q *revocations) run() {
	defer q.wg.Done()
	timer := time.NewTimer(retryMin)
	defer timer.Stop()
	wait, last := retryMin, time.Now()
	for {
		select {
		case <-q.stop:
			q.exit()
			return
		case <-timer.C:
		case <-q.wake:
			// The store answered another call: retry everything now, but
			// never more often than every retryMin.
			if d := retryMin - time.Since(last); d > 0 {
				timer.Reset(d)
				select {
				case <-q.stop:
					q.exit()
					return
				case <-timer.C:
				}
			}
			q.mu.Lock()
			for _, p := range q.items {
				p.next = time.Time{}
			}
			q.mu.Unlock()
		}
		last = time.Now()
		next, failed, done := q.round(wait)
		if done {
			return
		}
		d := time.Until(next)
		if failed {
			wait = min(2*wait, retryMax)
			d = max(d, wait)
		} else {
			wait = retryMin
		}
		timer.Reset(max(d, time.Millisecond))
	}
}

// exit notes that the goroutine ended.
func (q *revocations) exit() {
	q.mu.Lock()
	q.running = false
	q.mu.Unlock()
}

// stopped reports whether the revocations were closed.
func (q *revocations) stopped() bool {
	select {
	case <-q.stop:
		return true
	default:
		return false
	}
}

// round attempts the due revocations, earliest first. It stops after
// maxRoundFailures failures, or once failures have cost the store timeout
// (the store is probably down: no point waiting on it once per
// revocation), but not at the first one: with part of a Redis Cluster
// down, the revocations of users on the other masters still land. One
// that failed is next tried after wait, behind the others. It returns when
// the next one is due, or done when nothing is pending any more, or the
// revocations were closed, and the goroutine must end.
func (q *revocations) round(wait time.Duration) (next time.Time, failed, done bool) {
	failures, spent := 0, time.Duration(0)
	for _, p := range q.due() {
		if failures >= maxRoundFailures || spent >= q.timeout || q.stopped() {
			break
		}
		start := time.Now()
		if err := q.attempt(context.Background(), p, wait); err != nil {
			q.log.LogAttrs(context.Background(), slog.LevelWarn, "authsession: retrying a revocation failed",
				slog.String("error", err.Error()), slog.Int("pending", q.len()))
			failed = true
			failures++
			spent += time.Since(start)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 || q.closed {
		q.running = false
		return time.Time{}, failed, true
	}
	for _, p := range q.items {
		if next.IsZero() || p.next.Before(next) {
			next = p.next
		}
	}
	return next, failed, false
}

// attempt sends p to the store under ctx and the store timeout, and drops
// it once it landed; one that failed is next due after wait.
func (q *revocations) attempt(ctx context.Context, p *pending, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, q.timeout)
	err := q.apply(ctx, *p)
	cancel()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.items[p.pendingKey] == p {
		if err == nil {
			q.removeLocked(p)
		} else {
			p.next = time.Now().Add(wait)
		}
	}
	return err
}

// close stops the retrying goroutine and waits for it to end, then makes
// one last attempt at every pending revocation within ctx (each call under
// the store timeout too), giving up after maxRoundFailures failures. What
// is still pending is then abandoned: logged, and returned as an error
// wrapping ErrStore. This instance goes on refusing the sessions those
// cover, but nothing retries them, nor the revocations that fail after
// close. Later calls do nothing and return nil.
func (q *revocations) close(ctx context.Context) error {
	if q == nil || !q.shut() {
		return nil
	}
	q.wg.Wait()
	q.mu.Lock()
	for _, p := range q.items {
		p.next = time.Time{}
	}
	q.mu.Unlock()
	failures := 0
	for _, p := range q.due() {
		if failures >= maxRoundFailures || ctx.Err() != nil {
			break
		}
		if q.attempt(ctx, p, 0) != nil {
			failures++
		}
	}
	if n := q.len(); n > 0 {
		q.log.LogAttrs(ctx, slog.LevelError, "authsession: closed with revocations that could not reach the store; they are abandoned", slog.Int("pending", n))
		return fmt.Errorf("%w: %d pending revocations could not reach the store and were abandoned", ErrStore, n)
	}
	return nil
}

// abandon stops the retrying goroutine without waiting for it, for an
// engine nobody can reach any more (a runtime cleanup): nothing could
// consult its pending revocations again.
func (q *revocations) abandon() {
	if q.shut() && q.len() > 0 {
		q.log.LogAttrs(context.Background(), slog.LevelError, "authsession: an AuthSession was dropped without Close while revocations were pending; they are abandoned", slog.Int("pending", q.len()))
	}
}

// shut marks the revocations closed and stops the goroutine; it reports
// whether they were open.
func (q *revocations) shut() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.closed = true
	close(q.stop)
	return true
}

// due drops the revocations that became moot and returns those due now,
// earliest first.
func (q *revocations) due() []*pending {
	q.mu.Lock()
	defer q.mu.Unlock()
	now, wall := q.now(), time.Now()
	var due []*pending
	for _, p := range q.items {
		switch {
		case !now.Before(p.until):
			q.removeLocked(p)
		case !p.next.After(wall):
			due = append(due, p)
		}
	}
	slices.SortFunc(due, func(a, b *pending) int { return a.next.Compare(b.next) })
	return due
}

// apply sends one pending revocation to the store.
func (q *revocations) apply(ctx context.Context, p pending) error {
	if p.id != "" {
		return revokeChecked(ctx, q.store, p.owner, p.id)
	}
	return revokeBefore(ctx, q.store, p.owner, p.before)
}
