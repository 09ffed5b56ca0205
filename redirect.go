package authsession

import "strings"

// IsLocalPath reports whether p is safe to redirect to: a path on this site
// starting with exactly one "/", with no backslash, no scheme and no
// control characters. (stub: the guard issue hardens it)
func IsLocalPath(p string) bool {
	if len(p) == 0 || p[0] != '/' || len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\' {
			return false
		}
	}
	return !strings.Contains(p, "://")
}
