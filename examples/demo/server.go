package main

import (
	_ "embed"
	"io"
	"net/http"
	"time"
)

// serverLimits bound what one client can hold of the server: the time to
// send a request, to receive the answer, to keep an idle connection, and
// the size of the request header.
type serverLimits struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxHeaderBytes                int
}

// demoLimits returns the demo's limits. The demo's requests are small (a
// sign-in form, a name, a JSON body the session API caps at a few KiB) and
// every handler answers in milliseconds (the slowest, "log out everywhere"
// with Redis, gives up after 5 s), so finite bounds cost a real client
// nothing and stop one that holds connections open on purpose.
func demoLimits() serverLimits {
	return serverLimits{
		// A browser sends its request header in one go: a client still
		// trickling one after 5 s is holding the connection (slowloris).
		ReadHeader: 5 * time.Second,
		// The whole request, body included: the largest body the demo
		// reads is a few hundred bytes, so 10 s cuts off trickled bodies
		// without troubling a slow mobile link.
		Read: 10 * time.Second,
		// From the end of the request header to the last byte of the
		// answer, handler time included: above the 5 s a store call may
		// take, short enough that a client that never reads its answer
		// cannot pin a goroutine and its buffers.
		Write: 15 * time.Second,
		// Keep-alive: browsers reuse a connection between page loads
		// within seconds; an idle one is closed after a minute instead of
		// holding a file descriptor forever (without IdleTimeout and
		// ReadTimeout, net/http never closes it).
		Idle: 60 * time.Second,
		// Request header size, cookies included: the session cookie is at
		// most 16 KiB (MaxCookieBytes, across chunks), and on localhost
		// every other development server's cookies come along too; the
		// net/http default is 1 MiB.
		MaxHeaderBytes: 64 << 10,
	}
}

// newServer returns the demo's HTTP server: the favicon, then h for every
// other request, within limits.
func newServer(h http.Handler, l serverLimits) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /favicon.ico", serveFavicon)
	mux.Handle("/", h)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// favicon is a 32×32 keyhole (an ICO holding one PNG). Browsers ask for
// /favicon.ico on every page load unless it is cached; answering it keeps
// that out of the 404 log. It is served outside the guard: no session
// needed, none refreshed.
//
//go:embed favicon.ico
var favicon string

func serveFavicon(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "image/x-icon")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, favicon)
}
