package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pass is the result of one cleanup pass.
type pass struct {
	n   int64
	err error
}

// cleanedStore returns a store whose cleanup runs a pass each time a
// value is sent on the returned tick channel and reports it on passes.
func cleanedStore(t *testing.T, pool *pgxpool.Pool, opts pgstore.Options) (s *pgstore.Store, tick chan time.Time, passes chan pass) {
	t.Helper()
	tick, passes = make(chan time.Time), make(chan pass, 1)
	s, err := pgstore.NewWithCleanupHooks(context.Background(), pool, opts, tick, func(n int64, err error) { passes <- pass{n, err} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, tick, passes
}

// rows counts the rows of the table, expired ones included.
func rows(t *testing.T, pool *pgxpool.Pool, name string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCleanupDeletesExpiredRows: a cleanup pass deletes the rows that
// expired by the store's clock and only those.
func TestCleanupDeletesExpiredRows(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	name := table(t, pool)
	clk := testclock.New(time.UnixMilli(time.Now().UnixMilli()))
	s, tick, passes := cleanedStore(t, pool, pgstore.Options{Table: name, Now: clk.Now, CleanupInterval: time.Minute})
	for i := range 10 {
		owner := fmt.Sprintf("o%d", i%3)
		if i == 9 {
			owner = "" // anonymous sessions expire alike
		}
		if err := s.Create(ctx, storetest.Record(fmt.Sprint(i), owner, clk.Now(), time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(4 * time.Minute) // sessions 0 to 3 have expired
	if got := rows(t, pool, name); got != 10 {
		t.Fatalf("before the pass: got %d rows, want 10 (expired rows are kept until then)", got)
	}
	tick <- clk.Now()
	if p := <-passes; p.n != 4 || p.err != nil {
		t.Errorf("pass: got %d, %v, want 4 rows deleted", p.n, p.err)
	}
	if got := rows(t, pool, name); got != 6 {
		t.Errorf("after the pass: got %d rows, want 6", got)
	}
	for i := range 10 {
		owner := fmt.Sprintf("o%d", i%3)
		if i == 9 {
			owner = ""
		}
		if _, found, _ := s.Get(ctx, owner, fmt.Sprint(i), authsession.Touch{}); found != (i >= 4) {
			t.Errorf("session %d: got live=%v, want %v", i, found, i >= 4)
		}
	}
	tick <- clk.Now()
	if p := <-passes; p.n != 0 || p.err != nil {
		t.Errorf("second pass: got %d, %v, want 0", p.n, p.err)
	}
}

// TestDeleteExpiredInBatches: more expired rows than one statement
// deletes are all deleted, the live ones kept.
func TestDeleteExpiredInBatches(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	name := table(t, pool)
	s := newStore(t, pool, pgstore.Options{Table: name, CleanupInterval: -1})
	// 12,345 expired rows and 5 live ones, written directly.
	exec(t, pool, `INSERT INTO `+pgx.Identifier{name}.Sanitize()+`
SELECT convert_to('o' || (i % 100), 'UTF8'), convert_to('s' || i, 'UTF8'), ''::bytea,
	$1::timestamptz, $1::timestamptz, CASE WHEN i <= 5 THEN $2::timestamptz ELSE $1::timestamptz END,
	''::bytea, 1, NULL, NULL
FROM generate_series(1, 12350) AS i`, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	n, err := s.DeleteExpired(ctx)
	if n != 12345 || err != nil {
		t.Errorf("DeleteExpired: got %d, %v, want 12345", n, err)
	}
	if got := rows(t, pool, name); got != 5 {
		t.Errorf("after DeleteExpired: got %d rows, want the 5 live ones", got)
	}
	if pgstore.CleanupRunning(s) {
		t.Errorf("CleanupInterval -1: a cleanup goroutine runs")
	}
}

// TestCloseStopsCleanup: Close cancels a pass in progress (here one
// waiting for a table lock another session holds), waits for the
// goroutine to end, and may be called again; the store keeps working.
func TestCloseStopsCleanup(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	name := table(t, pool)
	s, tick, passes := cleanedStore(t, pool, pgstore.Options{Table: name, CleanupInterval: time.Hour})
	if !pgstore.CleanupRunning(s) {
		t.Fatal("no cleanup goroutine")
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{name}.Sanitize()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	tick <- time.Now() // the pass starts and waits for the lock
	waitForLockWaiter(t, pool, name)
	s.Close()
	if p := <-passes; !errors.Is(p.err, context.Canceled) || !errors.Is(p.err, pgstore.ErrDatabase) {
		t.Errorf("the pass Close cancelled: got %d, %v, want ErrDatabase and context.Canceled", p.n, p.err)
	}
	if pgstore.CleanupRunning(s) {
		t.Errorf("after Close: the cleanup goroutine runs")
	}
	select {
	case tick <- time.Now():
		t.Errorf("after Close: a tick started another pass")
	default:
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	tx.Rollback(ctx)
	if err := s.Create(ctx, storetest.Record("a", "o1", time.Now(), time.Hour)); err != nil {
		t.Errorf("Create after Close: %v", err)
	}
}

// waitForLockWaiter returns once a session waits for a lock on the table.
func waitForLockWaiter(t *testing.T, pool *pgxpool.Pool, name string) {
	t.Helper()
	for {
		var waiting bool
		err := pool.QueryRow(context.Background(),
			"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = to_regclass($1) AND NOT granted)",
			pgx.Identifier{name}.Sanitize()).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
	}
}

// TestDroppedStoreEndsCleanup: a store that becomes unreachable without
// Close stops its cleanup goroutine (the goroutine does not hold it).
func TestDroppedStoreEndsCleanup(t *testing.T) {
	pool := connect(t)
	s, err := pgstore.New(context.Background(), pool, pgstore.Options{Table: table(t, pool)})
	if err != nil {
		t.Fatal(err)
	}
	done := pgstore.CleanupDone(s)
	s = nil
	for {
		runtime.GC()
		select {
		case <-done:
			return
		default:
			runtime.Gosched()
		}
	}
}
