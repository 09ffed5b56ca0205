package adapt

import (
	"sync"
	"testing"
)

func TestColon(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/", "/{$}"},
		{"/login", "/login"},
		{"/x/", "/x/{$}"},
		{"/users/:id", "/users/{p}"},
		{"/:lang/dashboard", "/{p}/dashboard"},
		{"/static/*filepath", "/static/{...}"},
		{"/files/*", "/files/{...}"},
		{"/*", "/{...}"},
		{"/blog*", "/blog{...}"},
		{"/:lang/admin/*rest", "/{p}/admin/{...}"},
	} {
		if got := Colon(tt.in); got != tt.want {
			t.Errorf("Colon(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestChi(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/", "/{$}"},
		{"/{lang}/", "/{p}/{$}"},
		{"/users/{id:[0-9]{3}}", "/users/{p}"},
		{"/p/{rest:[^/]+}/x", "/p/{p}/x"},
		{"/{month}-{day}", "/{p}-{p}"},
		{"/files/*", "/files/{...}"},
		{"/admin*", "/admin{...}"},
		{"/*", "/{...}"},
		{"/{lang:(en|ar)}/dashboard/*", "/{p}/dashboard/{...}"},
	} {
		if got := Chi(tt.in); got != tt.want {
			t.Errorf("Chi(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMemo(t *testing.T) {
	calls := 0
	var mu sync.Mutex
	m := NewMemo(func(p string) string {
		mu.Lock()
		calls++
		mu.Unlock()
		return Colon(p)
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if got := m.Get("/users/:id"); got != "/users/{p}" {
					t.Errorf("got %q", got)
				}
			}
		}()
	}
	wg.Wait()
	if calls < 1 || calls > 8 {
		t.Errorf("translated %d times, want once per racing first caller", calls)
	}
	if m.Get("") != "" {
		t.Error(`Get("") is not ""`)
	}
	if n := testing.AllocsPerRun(100, func() { m.Get("/users/:id") }); n != 0 {
		t.Errorf("Get allocates %v times, want 0", n)
	}
}
