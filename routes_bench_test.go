package authsession

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gobwas/glob"
)

// benchRules returns n rules, a quarter of each form: exact, subtree,
// prefix and glob.
func benchRules(n int) []Rule {
	rules := make([]Rule, 0, n)
	for i := 0; len(rules) < n; i++ {
		switch i % 4 {
		case 0:
			rules = append(rules, Public(fmt.Sprintf("/exact%d/page", i)))
		case 1:
			rules = append(rules, Auth(fmt.Sprintf("/tree%d/*", i)))
		case 2:
			rules = append(rules, Hybrid(fmt.Sprintf("/prefix%d*", i)))
		case 3:
			rules = append(rules, Auth(fmt.Sprintf("/glob%d/*/edit", i)))
		}
	}
	return rules
}

// BenchmarkRouteMatch measures one classification (clean-path check,
// locale strip, rule match) of a path against n rules. The matched rule
// sits in the middle of the list, so a linear scan would cost O(n).
func BenchmarkRouteMatch(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		tab := &routeTable{rt: mustRouter(b, benchRules(n)...), def: RouteHybrid, locales: []string{"en", "ar"}}
		mid := n / 2 / 4 * 4 // a multiple of 4 near the middle
		paths := []struct{ kind, path string }{
			{"exact", fmt.Sprintf("/exact%d/page", mid)},
			{"subtree", fmt.Sprintf("/ar/tree%d/a/b/c", mid+1)},
			{"prefix", fmt.Sprintf("/prefix%d-and-more", mid+2)},
			{"glob", fmt.Sprintf("/glob%d/42/edit", mid+3)},
			{"miss", "/nothing/matches/this/path"},
		}
		for _, p := range paths {
			if v := tab.classify(p.path, ""); p.kind != "miss" && v.rule.Pattern == "" {
				b.Fatalf("%s: %q matched nothing", p.kind, p.path)
			}
			b.Run(fmt.Sprintf("rules=%d/%s", n, p.kind), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tab.classify(p.path, "")
				}
			})
		}
	}
}

type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

// BenchmarkGuard measures the whole middleware for a request without a
// cookie on a public literal path and on a hybrid path, with 1,000 rules.
func BenchmarkGuard(b *testing.B) {
	cfg := Config[User]{
		Secret: "bench-secret-0123456789abcdef-0123456789",
		Routes: append([]Rule{Public("/login")}, benchRules(1000)...),
	}
	auth, err := NextAuthSession(cfg)
	if err != nil {
		b.Fatal(err)
	}
	h := auth.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, target := range []string{"/login", "/about/us"} {
		b.Run("no-cookie"+target, func(b *testing.B) {
			r := httptest.NewRequest("GET", target, nil)
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					h.ServeHTTP(w, r)
				}
			})
		})
	}
}

// BenchmarkRouteMatchLinear is the baseline the router avoids: every rule
// compiled as a glob and tried in order, so the cost grows with n.
func BenchmarkRouteMatchLinear(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		rules := benchRules(n)
		globs := make([]*glob.Pattern, len(rules))
		for i, r := range rules {
			globs[i] = glob.MustCompile(r.Pattern, '/')
		}
		mid := n / 2 / 4 * 4
		path := fmt.Sprintf("/glob%d/42/edit", mid+3)
		b.Run(fmt.Sprintf("rules=%d/glob", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, g := range globs {
					if g.Match(path) {
						break
					}
				}
			}
		})
	}
}
