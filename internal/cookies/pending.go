package cookies

import (
	"net/http"
	"strings"
)

// Pending reports what the response whose header is h has already done
// to the logical cookie called name: set is false when none of its
// Set-Cookie lines names the cookie or one of its chunks; otherwise value
// is what the browser will hold once it has applied them in order ("" when
// they clear it, or leave chunks that do not join up, or a value longer
// than maxBytes). It parses the response's Set-Cookie lines, so it is for
// write paths, not for every request.
func Pending(h http.Header, name string, maxBytes int) (value string, set bool) {
	var (
		single string
		chunks [MaxChunks]string
	)
	for _, line := range h["Set-Cookie"] {
		n, _, _ := strings.Cut(line, "=")
		i, chunk := chunkIndex(n, name)
		if n != name && (!chunk || i >= MaxChunks) {
			continue
		}
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		set = true
		v := c.Value
		if c.MaxAge < 0 {
			v = ""
		}
		if n == name {
			single = v
		} else {
			chunks[i] = v
		}
	}
	if !set {
		return "", false
	}
	if single != "" {
		if len(single) > maxBytes {
			return "", true
		}
		return single, true
	}
	var b strings.Builder
	for _, c := range chunks {
		if c == "" {
			break
		}
		if b.Len()+len(c) > maxBytes {
			return "", true
		}
		b.WriteString(c)
	}
	return b.String(), true
}

// Unset removes from the response header h every Set-Cookie line of the
// logical cookie called name (the single cookie and its chunks), so that
// a response that writes the cookie again carries one line per name.
func Unset(h http.Header, name string) {
	lines := h["Set-Cookie"]
	kept := lines[:0]
	for _, line := range lines {
		c, _, _ := strings.Cut(line, "=")
		if _, chunk := chunkIndex(c, name); c != name && !chunk {
			kept = append(kept, line)
		}
	}
	clear(lines[len(kept):])
	switch {
	case len(kept) == len(lines):
	case len(kept) == 0:
		h.Del("Set-Cookie")
	default:
		h["Set-Cookie"] = kept
	}
}
