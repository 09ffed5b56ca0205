package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

// TestRightToLeftIsolation checks the Arabic pages' markup: text whose
// direction the page does not know (names people type) is in <bdi>, and
// text that is always left to right (dates, user agents, ids, durations)
// carries dir="ltr", so that "2026-11-30 02:07:31 UTC" and
// "Mozilla/5.0 (X11; Linux x86_64)" keep their order and brackets.
func TestRightToLeftIsolation(t *testing.T) {
	srv := newTestServer(t, options{Store: authsession.NewMemoryStore(authsession.MemoryStoreOptions{}), StoreName: "memory"})
	const ua = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"
	c := newClient(t)
	c.Transport = uaTransport(ua)
	resp, _ := post(t, c, srv.URL+"/ar/login", url.Values{"name": {"Ann (QA)"}, "role": {"admin"}})
	if got, want := resp.Header.Get("Location"), "/ar/dashboard"; got != want {
		t.Fatalf("sign-in: got Location %q, want %q", got, want)
	}

	timeTag := regexp.MustCompile(`<time[^>]*>`)
	pages := []struct {
		path  string
		times int // <time> elements
		want  []string
	}{
		{"/ar", 0, []string{`<strong id="user-name"><bdi>Ann (QA)</bdi></strong>`, "انتقل إلى لوحة التحكم ←"}},
		{"/ar/dashboard", 1, []string{`<strong id="user-name"><bdi>Ann (QA)</bdi></strong>`, `<span id="countdown" dir="ltr">`}},
		{"/ar/dashboard/session", 3 + 2, []string{
			`<td><bdi>Ann (QA)</bdi> <span class="badge">`,
			`<code dir="ltr">u_annqa</code>`,
			`<span class="client" dir="ltr">` + ua + `</span>`,
		}},
		{"/ar/admin", 0, []string{`<span dir="ltr">30m0s</span>`, `<span dir="ltr">5m0s</span>`, `<span dir="ltr">memory</span>`}},
	}
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			resp, page := get(t, c, srv.URL+p.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if !strings.Contains(page, `<html lang="ar" dir="rtl"`) {
				t.Error("the page is not marked right-to-left")
			}
			for _, w := range p.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			tags := timeTag.FindAllString(page, -1)
			if got := len(tags); got != p.times {
				t.Errorf("got %d <time> elements, want %d", got, p.times)
			}
			for _, tag := range tags {
				if !strings.Contains(tag, ` dir="ltr"`) || !strings.Contains(tag, ` datetime="`) {
					t.Errorf("%s: want dir=\"ltr\" and a datetime", tag)
				}
			}
		})
	}
}

func TestSignInSaysIdentitiesAreSelfAsserted(t *testing.T) {
	srv := newTestServer(t, options{})
	for _, tc := range []struct{ path, want string }{
		{"/login", "Identities here are self-asserted"},
		{"/ar/login", "الهويات هنا يعلنها المستخدم بنفسه"},
	} {
		_, page := get(t, newClient(t), srv.URL+tc.path)
		if !strings.Contains(page, `<p class="note" id="self-asserted">`+tc.want) {
			t.Errorf("%s: no self-asserted note %q", tc.path, tc.want)
		}
	}
}

// uaTransport sets the User-Agent of every request.
type uaTransport string

func (ua uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", string(ua))
	return http.DefaultTransport.RoundTrip(r)
}

func TestSplitLocale(t *testing.T) {
	tests := []struct{ in, lang, prefix, rest string }{
		{"/", "en", "", "/"},
		{"/dashboard", "en", "", "/dashboard"},
		{"/en", "en", "/en", "/"},
		{"/ar", "ar", "/ar", "/"},
		{"/ar/", "ar", "/ar", "/"},
		{"/ar/dashboard/x", "ar", "/ar", "/dashboard/x"},
		{"/arabic", "en", "", "/arabic"},
		{"/AR/dashboard", "en", "", "/AR/dashboard"},
		{"", "en", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l, rest := splitLocale(tt.in)
			if l.Lang != tt.lang || l.Prefix != tt.prefix || rest != tt.rest {
				t.Errorf("got %q %q %q, want %q %q %q", l.Lang, l.Prefix, rest, tt.lang, tt.prefix, tt.rest)
			}
		})
	}
}
