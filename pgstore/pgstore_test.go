package pgstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// URLEnv names the PostgreSQL server the tests use (a postgres:// URL of a
// role that may create tables); scripts/steps/32-postgres.sh starts one
// and sets it.
const URLEnv = "AUTHSESSION_POSTGRES_URL"

// serverURL returns the server's URL, or skips (fails, under
// AUTHSESSION_REQUIRE_SERVICES) when it is not configured.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(URLEnv)
	if u == "" {
		testenv.Missing(t, "a PostgreSQL server", "set "+URLEnv+" to a postgres:// URL, or run scripts/test")
	}
	return u
}

// connect returns a new pool to the test server, closed when the test
// ends.
func connect(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return connectTo(t, serverURL(t))
}

func connectTo(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(context.Background()); err != nil {
		t.Fatalf("postgres: %v", err)
	}
	return pool
}

// table returns a table name no other test uses, dropped when the test
// ends.
func table(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	t.Cleanup(func() { exec(t, pool, "DROP TABLE IF EXISTS "+pgx.Identifier{name}.Sanitize()) })
	return name
}

func exec(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// newStore returns a store on pool, closed when the test ends.
func newStore(t testing.TB, pool *pgxpool.Pool, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.New(context.Background(), pool, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pool := connect(t)
	storetest.Run(t, func(t *testing.T, o storetest.Options) authsession.Store {
		return newStore(t, pool, pgstore.Options{Table: table(t, pool), Now: o.Now, MaxSessionsPerUser: o.MaxSessionsPerUser})
	})
}

// TestCreateTableConcurrently starts many instances at once on a table
// that does not exist yet: every New succeeds (CREATE TABLE IF NOT EXISTS
// alone fails on PostgreSQL's catalog when two run at once), and they
// share the one table.
func TestCreateTableConcurrently(t *testing.T) {
	pool := connect(t)
	for range 3 {
		name := table(t, pool)
		const instances = 8
		stores := make([]*pgstore.Store, instances)
		errs := make([]error, instances)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range instances {
			wg.Go(func() {
				// Each instance its own pool, as separate processes have.
				p := connect(t)
				<-start
				stores[i], errs[i] = pgstore.New(context.Background(), p, pgstore.Options{Table: name})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("instance %d: New: %v", i, err)
			}
			t.Cleanup(func() { stores[i].Close() })
		}
		ctx := context.Background()
		if err := stores[0].Create(ctx, storetest.Record("a", "o1", time.Now(), time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, found, err := stores[instances-1].Get(ctx, "o1", "a", authsession.Touch{}); !found || err != nil {
			t.Errorf("another instance: Get got %v, %v, want found", found, err)
		}
	}
}

// TestSkipCreateTable: with SkipCreateTable, New refuses a missing table
// and accepts one made from CreateTableSQL.
func TestSkipCreateTable(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	name := table(t, pool)
	opts := pgstore.Options{Table: name, SkipCreateTable: true}
	if _, err := pgstore.New(ctx, pool, opts); !errors.Is(err, pgstore.ErrConfig) {
		t.Fatalf("New without the table: got %v, want ErrConfig", err)
	}
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil || exists {
		t.Fatalf("SkipCreateTable: the table exists=%v (%v), want not created", exists, err)
	}
	sql, err := pgstore.CreateTableSQL(name)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, pool, sql)
	s := newStore(t, pool, opts)
	if err := s.Create(ctx, storetest.Record("a", "o1", time.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// TestTableOfAnotherShape: a table of the configured name that lacks a
// column, has one of another type or lacks the primary key fails New with
// ErrConfig naming the table, not the first sign-in.
func TestTableOfAnotherShape(t *testing.T) {
	pool := connect(t)
	full, err := pgstore.CreateTableSQL("x")
	if err != nil {
		t.Fatal(err)
	}
	createTable := full[:strings.Index(full, ";")]
	tests := []struct {
		name string
		sql  func(q string) string
	}{
		{"an unrelated table", func(q string) string { return "CREATE TABLE " + q + " (token text PRIMARY KEY, data bytea)" }},
		{"a missing column", func(q string) string {
			return strings.Replace(strings.Replace(createTable, `"x"`, q, 1), "grace_until timestamptz,", "", 1)
		}},
		{"a column of another type", func(q string) string {
			return strings.Replace(strings.Replace(createTable, `"x"`, q, 1), "client      bytea", "client text", 1)
		}},
		{"no primary key", func(q string) string {
			return strings.Replace(strings.Replace(createTable, `"x"`, q, 1), "PRIMARY KEY (owner, id)", "CHECK (true)", 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := table(t, pool)
			exec(t, pool, tt.sql(pgx.Identifier{name}.Sanitize()))
			for _, skip := range []bool{false, true} {
				_, err := pgstore.New(context.Background(), pool, pgstore.Options{Table: name, SkipCreateTable: skip})
				if !errors.Is(err, pgstore.ErrConfig) || !strings.Contains(err.Error(), name) {
					t.Errorf("SkipCreateTable=%v: got %v, want ErrConfig naming the table", skip, err)
				}
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	ctx := context.Background()
	if _, err := pgstore.New(ctx, nil, pgstore.Options{}); !errors.Is(err, pgstore.ErrConfig) {
		t.Errorf("nil pool: got %v, want ErrConfig", err)
	}
	// The pool is never used: the options are checked first.
	pool, err := pgxpool.New(ctx, "postgres://nobody@127.0.0.1:1/none")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, name := range []string{".", "a.", ".b", "a.b.c", strings.Repeat("n", 49), "bad\x00name", "\xff"} {
		if _, err := pgstore.New(ctx, pool, pgstore.Options{Table: name}); !errors.Is(err, pgstore.ErrConfig) {
			t.Errorf("Table %q: got %v, want ErrConfig", name, err)
		}
		if _, err := pgstore.CreateTableSQL(name); !errors.Is(err, pgstore.ErrConfig) {
			t.Errorf("CreateTableSQL(%q): got %v, want ErrConfig", name, err)
		}
	}
}

// TestUnreachableAtStart: New fails with ErrDatabase when the server
// cannot be reached (every connection is closed at once).
func TestUnreachableAtStart(t *testing.T) {
	ctx := context.Background()
	p := startProxy(t, "127.0.0.1:0") // never dialled: it is down
	p.set(false, true)
	pool, err := pgxpool.New(ctx, "postgres://nobody@"+p.addr()+"/none")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pgstore.New(ctx, pool, pgstore.Options{}); !errors.Is(err, pgstore.ErrDatabase) {
		t.Errorf("got %v, want ErrDatabase", err)
	}
}

// TestTableNamesAreQuoted: a schema-qualified name and names that would
// be SQL if pasted in are used as names, and two tables never see each
// other's sessions.
func TestTableNamesAreQuoted(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	b := make([]byte, 4)
	rand.Read(b)
	schema := "Test Schema " + hex.EncodeToString(b)
	exec(t, pool, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { exec(t, pool, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE") })
	victim := table(t, pool)
	names := []string{
		schema + ".Sessions",
		schema + `.x"; DROP TABLE ` + victim + `; --`,
		schema + `.ü "quoted"`,
		schema + ".sessions", // case matters: another table
	}
	var stores []*pgstore.Store
	for i, name := range append(names, victim) {
		s := newStore(t, pool, pgstore.Options{Table: name})
		if err := s.Create(ctx, storetest.Record("a", "o1", time.Now(), time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatalf("%q: Create: %v", name, err)
		}
		stores = append(stores, s)
	}
	for i, s := range stores {
		recs, err := s.ListUser(ctx, "o1")
		if err != nil || len(recs) != 1 {
			t.Fatalf("store %d: ListUser got %d, %v, want 1", i, len(recs), err)
		}
		if want := time.Duration(i+1) * time.Hour; recs[0].ExpiresAt.Sub(recs[0].CreatedAt) != want {
			t.Errorf("store %d: got another table's record (lifetime %v, want %v)", i, recs[0].ExpiresAt.Sub(recs[0].CreatedAt), want)
		}
	}
}

// TestValuesStoredAsGiven: user ids, client descriptions and data that
// PostgreSQL's text type cannot hold (NUL, invalid UTF-8), and a
// mebibyte of random data, round-trip unchanged through Create, Get, Save
// and ListUser, for signed-in and anonymous sessions.
func TestValuesStoredAsGiven(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	s := newStore(t, pool, pgstore.Options{Table: table(t, pool)})
	big := make([]byte, 1<<20)
	rand.Read(big)
	values := []string{"", "\x00", "a\x00b", "\xff\xfe", "ü 😀", string(big[:4096])}
	now := time.Now()
	for _, owner := range []string{"o1", ""} {
		for i, v := range values {
			rec := storetest.Record(fmt.Sprint("id-", i), owner, now, time.Hour)
			rec.Client, rec.Data = v, []byte(v)
			if owner != "" {
				rec.UserID = v
			}
			if err := s.Create(ctx, rec); err != nil {
				t.Fatalf("Create(%q, %d): %v", owner, i, err)
			}
			got, found, err := s.Get(ctx, owner, rec.ID, authsession.Touch{})
			if err != nil || !found || got.UserID != rec.UserID || got.Client != v || string(got.Data) != v {
				t.Errorf("Get(%q, %d): found=%v err=%v, values kept=%v", owner, i, found, err,
					got.UserID == rec.UserID && got.Client == v && string(got.Data) == v)
			}
			rec.Data, rec.Generation = big, 2
			if ok, err := s.Save(ctx, rec, 1); !ok || err != nil {
				t.Fatalf("Save(%q, %d): got %v, %v", owner, i, ok, err)
			}
			if got, _, _ := s.Get(ctx, owner, rec.ID, authsession.Touch{}); !bytes.Equal(got.Data, big) {
				t.Errorf("Save(%q, %d): data changed on the way", owner, i)
			}
		}
	}
	recs, err := s.ListUser(ctx, "o1")
	if err != nil || len(recs) != len(values) {
		t.Fatalf("ListUser: got %d, %v, want %d", len(recs), err, len(values))
	}
	for _, r := range recs {
		if r.Data != nil {
			t.Errorf("ListUser: got %d bytes of data, want none", len(r.Data))
		}
	}
}

// TestCapUnderConcurrentSignIns: sign-ins of one user racing each other
// on several pools never leave more live rows than the cap (each Create
// holds the user's advisory lock), and never touch another user's.
func TestCapUnderConcurrentSignIns(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	name := table(t, pool)
	const perUser = 3
	stores := []*pgstore.Store{
		newStore(t, pool, pgstore.Options{Table: name, MaxSessionsPerUser: perUser}),
		newStore(t, connect(t), pgstore.Options{Table: name, MaxSessionsPerUser: perUser}),
	}
	if err := stores[0].Create(ctx, storetest.Record("victim", "o2", time.Now(), time.Minute)); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()+" WHERE owner = $1", []byte("o1")).Scan(&n)
		if err != nil {
			t.Error(err)
		}
		return n
	}
	done := make(chan struct{})
	var observer sync.WaitGroup
	observer.Go(func() { // what any reader sees, while the sign-ins run
		for {
			select {
			case <-done:
				return
			default:
			}
			if n := count(); n > perUser {
				t.Errorf("during concurrent sign-ins: %d rows of the user, want at most %d", n, perUser)
				return
			}
		}
	})
	var wg sync.WaitGroup
	for w := range 12 {
		wg.Go(func() {
			for i := range 20 {
				rec := storetest.Record(fmt.Sprintf("w%d-%d", w, i), "o1", time.Now(), time.Duration(1+(w*10+i)%17)*time.Hour)
				if err := stores[w%2].Create(ctx, rec); err != nil {
					t.Errorf("Create: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	observer.Wait()
	if n := count(); n != perUser {
		t.Errorf("rows of the user after concurrent sign-ins: got %d, want %d", n, perUser)
	}
	if _, found, _ := stores[1].Get(ctx, "o2", "victim", authsession.Touch{}); !found {
		t.Errorf("another user's session was ended")
	}
}
