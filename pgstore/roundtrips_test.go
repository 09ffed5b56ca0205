package pgstore_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// queryCounter counts the statements a pool sends, prepared ones apart.
type queryCounter struct{ queries, prepares, batches atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.queries.Add(1)
	return ctx
}
func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *queryCounter) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	c.prepares.Add(1)
	return ctx
}
func (c *queryCounter) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}
func (c *queryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.batches.Add(1)
	return ctx
}
func (c *queryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *queryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestOneStatementPerCall: once its statements are prepared on the
// connection, a session check (with or without a due touch), a save and a
// revocation are each one statement, one round trip; a signed-in sign-in
// is one transaction of one batch.
func TestOneStatementPerCall(t *testing.T) {
	cfg, err := pgxpool.ParseConfig(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var c queryCounter
	cfg.ConnConfig.Tracer = &c
	cfg.MaxConns = 1 // one connection: its statement cache is warm after the first round
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := newStore(t, pool, pgstore.Options{Table: table(t, connect(t)), CleanupInterval: -1})
	ctx := context.Background()
	now := time.Now()
	rec := storetest.Record("s", "o1", now, time.Hour)
	calls := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, _, err := s.Get(ctx, "o1", "s", authsession.Touch{}); return err }},
		{"Get, touch due", func() error {
			now = now.Add(time.Minute)
			_, found, err := s.Get(ctx, "o1", "s", authsession.Touch{Before: now, Seen: now, ExpiresAt: now.Add(time.Hour)})
			if !found {
				return errors.New("not found")
			}
			return err
		}},
		{"Get, touch not due", func() error {
			_, _, err := s.Get(ctx, "o1", "s", authsession.Touch{Before: now.Add(-time.Hour), Seen: now})
			return err
		}},
		{"Save", func() error {
			cur, _, _ := s.Get(ctx, "o1", "s", authsession.Touch{})
			c.queries.Add(-1) // the read is not the save's
			cur.Data, cur.Generation = []byte("x"), cur.Generation+1
			ok, err := s.Save(ctx, cur, cur.Generation-1)
			if !ok {
				return errors.New("not saved")
			}
			return err
		}},
		{"Revoke", func() error { return s.Revoke(ctx, "o1", "gone") }},
	}
	for round := range 2 {
		if err := s.Create(ctx, rec); err != nil {
			t.Fatal(err)
		}
		for _, tt := range calls {
			c.queries.Store(0)
			c.prepares.Store(0)
			if err := tt.call(); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if round == 1 && (c.queries.Load() != 1 || c.prepares.Load() != 0) {
				t.Errorf("%s: %d statements and %d prepares, want 1 and 0", tt.name, c.queries.Load(), c.prepares.Load())
			}
		}
	}
	c.batches.Store(0)
	if err := s.Create(ctx, storetest.Record("t", "o1", now, time.Hour)); err != nil || c.batches.Load() != 1 {
		t.Errorf("Create: %d batches (%v), want 1", c.batches.Load(), err)
	}
}

// TestIsolationLevel: a pool whose connections default to a stricter
// isolation level than read committed fails New with ErrConfig saying
// what to set.
func TestIsolationLevel(t *testing.T) {
	cfg, err := pgxpool.ParseConfig(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = "serializable"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	_, err = pgstore.New(context.Background(), pool, pgstore.Options{Table: table(t, connect(t))})
	if !errors.Is(err, pgstore.ErrConfig) || !strings.Contains(err.Error(), "default_transaction_isolation") {
		t.Errorf("got %v, want ErrConfig naming default_transaction_isolation", err)
	}
}

// TestServerStorageRoundTrips: in server storage, a signed-in request that
// only reads makes one statement (its last-seen write folded in), one
// that changes the session two (the read and the save), and a visitor's
// request that stores nothing none.
func TestServerStorageRoundTrips(t *testing.T) {
	cfg, err := pgxpool.ParseConfig(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var c queryCounter
	cfg.ConnConfig.Tracer = &c
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	a := serverApp(t, pool, table(t, connect(t)), 0)
	c.queries.Store(0)
	if a.IsAuthenticated(request(nil)) || a.SessionData(request(nil)) != nil || c.queries.Load() != 0 {
		t.Errorf("a visitor's read: %d statements, want 0", c.queries.Load())
	}
	w := httptest.NewRecorder()
	if _, err := a.CreateSession(w, request(nil), authsession.User{ID: "u_1"}); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	for round := range 2 { // the first round prepares the statements
		c.queries.Store(0)
		if !a.IsAuthenticated(request(cookies)) {
			t.Fatal("not signed in")
		}
		if n := c.queries.Load(); round == 1 && n != 1 {
			t.Errorf("a signed-in read: %d statements, want 1", n)
		}
		c.queries.Store(0)
		if err := a.SetData(httptest.NewRecorder(), request(cookies), "k", round); err != nil {
			t.Fatal(err)
		}
		if n := c.queries.Load(); round == 1 && n != 2 {
			t.Errorf("a signed-in change: %d statements, want 2 (read, save)", n)
		}
	}
}
