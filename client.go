package authsession

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// The browser client, embedded at build time. See client/client.d.ts for
// its API and docs/browser-client.md for its use.
//
//go:embed client/client.js
var clientJSSource string

//go:embed client/client.d.ts
var clientDTSSource string

// staticAsset is an embedded file with its validators, computed once when
// the package is initialised and never changed: it is safe for concurrent
// use and costs no hashing per request.
type staticAsset struct {
	body        string
	contentType string
	version     string // hex of the first 8 bytes of the body's SHA-256
	etag        string // strong: `"` + version + `"`
}

func newStaticAsset(body, contentType string) *staticAsset {
	sum := sha256.Sum256([]byte(body))
	v := hex.EncodeToString(sum[:8])
	return &staticAsset{body: body, contentType: contentType, version: v, etag: `"` + v + `"`}
}

var (
	clientJSAsset  = newStaticAsset(clientJSSource, "text/javascript; charset=utf-8")
	clientDTSAsset = newStaticAsset(clientDTSSource, "application/typescript; charset=utf-8")
)

// clientScriptPath is ClientConfig.ScriptPath: the versioned URL path of
// the browser client under basePath (the session API's path; ""
// means defaultAPIPath), such as "/api/session/client.js?v=0123456789abcdef".
func clientScriptPath(basePath string) string {
	if basePath = strings.TrimRight(basePath, "/"); basePath == "" {
		basePath = defaultAPIPath
	}
	return basePath + "/client.js?v=" + clientJSAsset.version
}

// serveClientJS serves the embedded browser client at GET …/client.js.
func serveClientJS(w http.ResponseWriter, r *http.Request) { clientJSAsset.serve(w, r) }

// serveClientTypes serves the client's TypeScript declarations at
// GET …/client.d.ts, under the same caching rules as the script.
func serveClientTypes(w http.ResponseWriter, r *http.Request) { clientDTSAsset.serve(w, r) }

// serve writes the asset for GET and HEAD, answering If-None-Match with 304
// (through http.ServeContent, which also handles Range and HEAD).
//
// Caching: a request whose "v" query parameter equals the asset's version
// may be cached for a year as immutable; any other request (the bare URL or
// an outdated version) gets "no-cache", so browsers revalidate with the
// ETag and always run the current code. When the response already carries
// a Set-Cookie header (the guard refreshed the session on this request),
// the cache is "private" so that no shared cache stores the cookie.
func (a *staticAsset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, codeMethod)
		return
	}
	h.Set("Cache-Control", a.cacheControl(r.URL.RawQuery, len(h.Values("Set-Cookie")) > 0))
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(a.body))
}

// cacheControl is the Cache-Control value for a request with this raw query.
func (a *staticAsset) cacheControl(rawQuery string, setsCookie bool) string {
	switch versioned := versionParam(rawQuery) == a.version; {
	case versioned && setsCookie:
		return "private, max-age=31536000, immutable"
	case versioned:
		return "public, max-age=31536000, immutable"
	case setsCookie:
		return "private, no-cache"
	default:
		return "no-cache"
	}
}

// versionParam returns the first "v" parameter of a raw query string,
// without allocating; "" when there is none.
func versionParam(q string) string {
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if v, ok := strings.CutPrefix(kv, "v="); ok {
			return v
		}
	}
	return ""
}
