package authsession

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
)

// This file is the middleware's response writer: it commits the request's
// session before the header goes out (as scs's LoadAndSave and
// next-session's autoCommit), and keeps what the writer under it can do
// (Flush, Hijack, ReadFrom, and http.ResponseController through Unwrap).

// commitWriter commits its request's session before the first byte of
// the response: at WriteHeader (an informational 1xx excepted), Write,
// ReadFrom, Flush or Hijack. A commit that fails turns the response into a
// 503 and drops what the handler writes after it. It is used by one
// handler goroutine at a time, as a ResponseWriter is.
type commitWriter[U any] struct {
	http.ResponseWriter
	st     *requestState[U]
	wrote  bool // the header went out (or is about to): committed
	failed bool // the commit failed: the response is a 503
}

// errCommitFailed is what writes get after a failed commit.
var errCommitFailed = fmt.Errorf("%w: the session could not be committed; the response was replaced by a 503", ErrStore)

// commit commits the session once, before the header goes out, and
// reports whether the handler's response may go on.
func (cw *commitWriter[U]) commit() bool {
	if cw.wrote {
		return !cw.failed
	}
	cw.wrote = true
	st := cw.st
	st.mu.Lock()
	var err error
	if st.auto {
		err = st.commitLocked()
	}
	st.sent = true
	st.mu.Unlock()
	if err != nil {
		cw.fail(err)
		return false
	}
	return true
}

// fail answers a response whose commit failed with a 503 (JSON for JSON
// clients), logged; the handler's own header and body are dropped.
func (cw *commitWriter[U]) fail(err error) {
	cw.failed = true
	st := cw.st
	st.e.log.LogAttrs(st.req.Context(), slog.LevelError, "authsession: committing the session failed; answering 503", slog.String("error", err.Error()))
	h := cw.ResponseWriter.Header()
	for k := range h {
		if k != "Set-Cookie" && k != "Vary" {
			delete(h, k)
		}
	}
	h.Set("Cache-Control", "no-store")
	if strings.Contains(st.req.Header.Get("Accept"), "application/json") || underPrefix(st.req.URL.Path, st.e.jsonPrefix) {
		writeError(cw.ResponseWriter, codeUnavailable)
		return
	}
	http.Error(cw.ResponseWriter, "503 Service Unavailable: the session could not be saved.", http.StatusServiceUnavailable)
}

// underPrefix reports whether path p is prefix (a path of one segment,
// such as "/api", the first segment of Config.APIPath) or below it.
func underPrefix(p, prefix string) bool {
	return p == prefix || len(p) > len(prefix) && p[len(prefix)] == '/' && strings.HasPrefix(p, prefix)
}

// WriteHeader commits the session, then writes the header; informational
// headers (1xx but 101) go out as they are.
func (cw *commitWriter[U]) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		cw.ResponseWriter.WriteHeader(code)
		return
	}
	if cw.wrote {
		if !cw.failed {
			cw.ResponseWriter.WriteHeader(code) // net/http logs the superfluous call
		}
		return
	}
	if cw.commit() {
		cw.ResponseWriter.WriteHeader(code)
	}
}

// Write commits the session before the first byte.
func (cw *commitWriter[U]) Write(b []byte) (int, error) {
	if !cw.commit() {
		return 0, errCommitFailed
	}
	return cw.ResponseWriter.Write(b)
}

// ReadFrom commits the session, then copies r with the writer under it
// (which may send a file without copying it through user space).
func (cw *commitWriter[U]) ReadFrom(r io.Reader) (int64, error) {
	if !cw.commit() {
		return 0, errCommitFailed
	}
	return io.Copy(cw.ResponseWriter, r)
}

// Flush commits the session and flushes the writer under it, when it can.
func (cw *commitWriter[U]) Flush() {
	if cw.commit() {
		_ = http.NewResponseController(cw.ResponseWriter).Flush()
	}
}

// Hijack commits the session (the store; a cookie cannot go out over a
// hijacked connection) and hijacks the connection under it.
func (cw *commitWriter[U]) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !cw.commit() {
		return nil, nil, errCommitFailed
	}
	// A writer under it that cannot hijack answers http.ErrNotSupported.
	return http.NewResponseController(cw.ResponseWriter).Hijack()
}

// Unwrap returns the writer under it, for http.ResponseController.
func (cw *commitWriter[U]) Unwrap() http.ResponseWriter { return cw.ResponseWriter }
