package authsession

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestClientAssetsEmbedded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		asset *staticAsset
		want  string // a string the file must contain
	}{
		{"client.js", clientJSAsset, "export function createSessionClient("},
		{"client.d.ts", clientDTSAsset, "export function createSessionClient<"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.asset.body, tc.want) {
				t.Fatalf("embedded %s lacks %q", tc.name, tc.want)
			}
			sum := sha256.Sum256([]byte(tc.asset.body))
			if got, want := tc.asset.version, hex.EncodeToString(sum[:8]); got != want {
				t.Errorf("version: got %q, want %q", got, want)
			}
			if got, want := tc.asset.etag, `"`+tc.asset.version+`"`; got != want {
				t.Errorf("etag: got %q, want %q", got, want)
			}
		})
	}
}

func TestClientScriptPath(t *testing.T) {
	v := clientJSAsset.version
	for _, tc := range []struct{ base, want string }{
		{"/api/session", "/api/session/client.js?v=" + v},
		{"/api/session/", "/api/session/client.js?v=" + v},
		{"", "/api/session/client.js?v=" + v},
		{"/auth", "/auth/client.js?v=" + v},
	} {
		t.Run(tc.base, func(t *testing.T) {
			if got := clientScriptPath(tc.base); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServeClientJS(t *testing.T) {
	a := clientJSAsset
	versioned := "/api/session/client.js?v=" + a.version
	for _, tc := range []struct {
		name        string
		method      string
		target      string
		header      map[string]string
		presetCook  bool // a Set-Cookie is already on the response
		wantStatus  int
		wantCache   string
		wantBody    bool
		wantHeaders bool // Content-Type, nosniff and ETag present
	}{
		{name: "bare GET", method: "GET", target: "/api/session/client.js", wantStatus: 200, wantCache: "no-cache", wantBody: true, wantHeaders: true},
		{name: "versioned GET", method: "GET", target: versioned, wantStatus: 200, wantCache: "public, max-age=31536000, immutable", wantBody: true, wantHeaders: true},
		{name: "version among other params", method: "GET", target: "/api/session/client.js?x=1&v=" + a.version, wantStatus: 200, wantCache: "public, max-age=31536000, immutable", wantBody: true, wantHeaders: true},
		{name: "outdated version", method: "GET", target: "/api/session/client.js?v=0000000000000000", wantStatus: 200, wantCache: "no-cache", wantBody: true, wantHeaders: true},
		{name: "version prefix only", method: "GET", target: "/api/session/client.js?v=" + a.version[:8], wantStatus: 200, wantCache: "no-cache", wantBody: true, wantHeaders: true},
		{name: "empty version", method: "GET", target: "/api/session/client.js?v=", wantStatus: 200, wantCache: "no-cache", wantBody: true, wantHeaders: true},
		{name: "hostile query", method: "GET", target: "/api/session/client.js?v=%00%ff&&&v=" + a.version + strings.Repeat("&a", 500), wantStatus: 200, wantCache: "no-cache", wantBody: true, wantHeaders: true},
		{name: "versioned with Set-Cookie", method: "GET", target: versioned, presetCook: true, wantStatus: 200, wantCache: "private, max-age=31536000, immutable", wantBody: true, wantHeaders: true},
		{name: "bare with Set-Cookie", method: "GET", target: "/api/session/client.js", presetCook: true, wantStatus: 200, wantCache: "private, no-cache", wantBody: true, wantHeaders: true},
		{name: "HEAD", method: "HEAD", target: versioned, wantStatus: 200, wantCache: "public, max-age=31536000, immutable", wantHeaders: true},
		{name: "If-None-Match hit", method: "GET", target: versioned, header: map[string]string{"If-None-Match": a.etag}, wantStatus: 304, wantCache: "public, max-age=31536000, immutable"},
		{name: "If-None-Match weak hit", method: "GET", target: "/api/session/client.js", header: map[string]string{"If-None-Match": "W/" + a.etag}, wantStatus: 304, wantCache: "no-cache"},
		{name: "If-None-Match in list", method: "GET", target: "/api/session/client.js", header: map[string]string{"If-None-Match": `"old", ` + a.etag}, wantStatus: 304, wantCache: "no-cache"},
		{name: "If-None-Match star", method: "GET", target: "/api/session/client.js", header: map[string]string{"If-None-Match": "*"}, wantStatus: 304, wantCache: "no-cache"},
		{name: "If-None-Match HEAD", method: "HEAD", target: "/api/session/client.js", header: map[string]string{"If-None-Match": a.etag}, wantStatus: 304, wantCache: "no-cache"},
		{name: "If-None-Match miss", method: "GET", target: "/api/session/client.js", header: map[string]string{"If-None-Match": `"0000000000000000"`}, wantStatus: 200, wantCache: "no-cache", wantBody: true, wantHeaders: true},
		{name: "If-None-Match garbage", method: "GET", target: "/api/session/client.js", header: map[string]string{"If-None-Match": strings.Repeat(`"\x01`, 1000)}, wantStatus: 200, wantCache: "no-cache", wantBody: true, wantHeaders: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			w.Header().Set("Cache-Control", "no-store") // as the API sets by default
			if tc.presetCook {
				w.Header().Add("Set-Cookie", "session=x; Path=/; HttpOnly")
			}
			serveClientJS(w, r)
			res := w.Result()
			body, _ := io.ReadAll(res.Body)
			if got := res.StatusCode; got != tc.wantStatus {
				t.Fatalf("status: got %d, want %d", got, tc.wantStatus)
			}
			if got := res.Header.Get("Cache-Control"); got != tc.wantCache {
				t.Errorf("Cache-Control: got %q, want %q", got, tc.wantCache)
			}
			if got := res.Header.Get("ETag"); got != a.etag {
				t.Errorf("ETag: got %q, want %q", got, a.etag)
			}
			if tc.wantBody {
				if string(body) != a.body {
					t.Errorf("body: got %d bytes, want the %d-byte script", len(body), len(a.body))
				}
			} else if len(body) != 0 {
				t.Errorf("body: got %d bytes, want none", len(body))
			}
			if tc.wantHeaders {
				if got, want := res.Header.Get("Content-Type"), "text/javascript; charset=utf-8"; got != want {
					t.Errorf("Content-Type: got %q, want %q", got, want)
				}
				if got, want := res.Header.Get("X-Content-Type-Options"), "nosniff"; got != want {
					t.Errorf("X-Content-Type-Options: got %q, want %q", got, want)
				}
				if got, want := res.Header.Get("Content-Length"), strconv.Itoa(len(a.body)); got != want {
					t.Errorf("Content-Length: got %q, want %q", got, want)
				}
			}
		})
	}
}

func TestServeClientJSMethods(t *testing.T) {
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "BREW"} {
		t.Run(method, func(t *testing.T) {
			w := httptest.NewRecorder()
			serveClientJS(w, httptest.NewRequest(method, "/api/session/client.js", strings.NewReader("x")))
			if got, want := w.Code, http.StatusMethodNotAllowed; got != want {
				t.Fatalf("status: got %d, want %d", got, want)
			}
			if got, want := w.Header().Get("Allow"), "GET, HEAD"; got != want {
				t.Errorf("Allow: got %q, want %q", got, want)
			}
			if got := w.Header().Get("ETag"); got != "" {
				t.Errorf("ETag: got %q, want none", got)
			}
			if !strings.Contains(w.Body.String(), `"method_not_allowed"`) {
				t.Errorf("body: got %q, want a JSON error", w.Body.String())
			}
		})
	}
}

func TestServeClientJSRange(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/session/client.js", nil)
	r.Header.Set("Range", "bytes=0-9")
	w := httptest.NewRecorder()
	serveClientJS(w, r)
	if got, want := w.Code, http.StatusPartialContent; got != want {
		t.Fatalf("status: got %d, want %d", got, want)
	}
	if got, want := w.Body.String(), clientJSAsset.body[:10]; got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
}

func TestServeClientTypes(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/session/client.d.ts?v="+clientDTSAsset.version, nil)
	w := httptest.NewRecorder()
	serveClientTypes(w, r)
	if got, want := w.Code, http.StatusOK; got != want {
		t.Fatalf("status: got %d, want %d", got, want)
	}
	for k, want := range map[string]string{
		"Content-Type":           "application/typescript; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"ETag":                   clientDTSAsset.etag,
		"Cache-Control":          "public, max-age=31536000, immutable",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	if w.Body.String() != clientDTSAsset.body {
		t.Errorf("body: got %d bytes, want the %d-byte declarations", w.Body.Len(), len(clientDTSAsset.body))
	}
}

// TestClientScriptSize keeps the module small: it is sent to every browser
// (about 8 KiB gzipped at 24 KiB; its line and function limits are checked
// by client/test/limits.mjs).
func TestClientScriptSize(t *testing.T) {
	const limit = 26 << 10
	if n := len(clientJSAsset.body); n > limit {
		t.Errorf("client.js: got %d bytes, want at most %d", n, limit)
	}
	// Only same-origin requests: the module never names a scheme or host.
	if m := regexp.MustCompile(`https?://`).FindString(clientJSAsset.body); m != "" {
		t.Errorf("client.js contains %q; it must only talk to its own origin", m)
	}
}

func TestVersionParam(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"", ""},
		{"v=abc", "abc"},
		{"a=1&v=abc&v=def", "abc"},
		{"vv=abc", ""},
		{"v", ""},
		{"&&v=x&", "x"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			if got := versionParam(tc.q); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkServeClientJS(b *testing.B) {
	r := httptest.NewRequest("GET", clientScriptPath(""), nil)
	r.Header.Set("If-None-Match", clientJSAsset.etag)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		serveClientJS(w, r)
	}
}
