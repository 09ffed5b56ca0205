package authsession

import (
	"net/http"
	"net/url"
	"strings"
)

// maxLocalPath bounds the length of a path IsLocalPath accepts.
const maxLocalPath = 4096

// IsLocalPath reports whether p is safe to redirect to: a path on this
// site. It must start with exactly one "/", and neither p nor any
// percent-decoding of it (up to three levels, and decoding must then be
// complete) may start with "//" or "/\", contain a backslash, an empty path
// segment ("//"), a scheme ("://") in the path, or a control character.
// Malformed percent-encoding and paths over 4 KiB are refused.
//
// The guard applies it to callbackUrl values, and NextAuthSession to
// LoginPath, HomePath and APIPath. It is safe for concurrent use.
func IsLocalPath(p string) bool {
	if len(p) == 0 || len(p) > maxLocalPath || p[0] != '/' {
		return false
	}
	for range 4 {
		if !localLevel(p) {
			return false
		}
		if strings.IndexByte(p, '%') < 0 {
			return true
		}
		d, err := url.PathUnescape(p)
		if err != nil {
			return false
		}
		p = d
	}
	return false // still encoded after three decodings: refuse
}

// localLevel checks one decoding level of a candidate redirect target.
func localLevel(p string) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	path := p
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	return !strings.Contains(path, "//") && !strings.Contains(path, "://")
}

// safeRedirect returns the Location for a callbackUrl value, re-escaped,
// or false when it is not a local path.
func safeRedirect(target string) (string, bool) {
	if !IsLocalPath(target) {
		return "", false
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	loc := u.String()
	return loc, IsLocalPath(loc)
}

// localize puts the locale prefix back in front of p.
func localize(locale, p string) string {
	switch {
	case locale == "":
		return p
	case p == "/":
		return "/" + locale
	case p[0] == '/':
		return "/" + locale + p
	}
	return p
}

// redirectStatus is 307 for GET and HEAD (temporary, not cached, the
// method is kept) and 303 for every other method (the browser follows
// with a GET, so a form post is never replayed at the login page).
func redirectStatus(method string) int {
	if method == http.MethodGet || method == http.MethodHead {
		return http.StatusTemporaryRedirect
	}
	return http.StatusSeeOther
}

// redirect sends the guard's redirect. The response depends on the cookie,
// so it is marked uncacheable.
func redirect(w http.ResponseWriter, r *http.Request, loc string, code int) {
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Cookie")
	w.WriteHeader(code)
}
