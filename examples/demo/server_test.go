package main

import (
	"bufio"
	"bytes"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServer serves the demo through newServer with limits l on a
// loopback port and returns its address.
func startServer(t *testing.T, l serverLimits) string {
	t.Helper()
	app, err := newApp(options{Secret: testSecret, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(app, l)
	srv.ErrorLog = nil
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedWithin reports whether the server closes c within d (a read ends
// with EOF or a reset rather than the read deadline).
func closedWithin(t *testing.T, c net.Conn, r *bufio.Reader, d time.Duration) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	_, err := r.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	if err == nil {
		t.Fatal("the server sent bytes nobody asked for")
	}
	return true
}

func TestDemoLimitsAreSet(t *testing.T) {
	l := demoLimits()
	srv := newServer(http.NotFoundHandler(), l)
	for _, tc := range []struct {
		name string
		got  time.Duration
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout},
		{"ReadTimeout", srv.ReadTimeout},
		{"WriteTimeout", srv.WriteTimeout},
		{"IdleTimeout", srv.IdleTimeout},
	} {
		if tc.got <= 0 || tc.got > 2*time.Minute {
			t.Errorf("%s: got %v, want a bound between 0 and 2m", tc.name, tc.got)
		}
	}
	// Handlers must finish within the write timeout: the slowest (log out
	// everywhere with a store) allows itself 5 s.
	if srv.WriteTimeout <= 5*time.Second {
		t.Errorf("WriteTimeout: got %v, want more than the 5 s a store call may take", srv.WriteTimeout)
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v exceeds ReadTimeout %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
	// Room for the largest session cookie (16 KiB) and more, far below
	// the 1 MiB default.
	if got := srv.MaxHeaderBytes; got < 32<<10 || got > 256<<10 {
		t.Errorf("MaxHeaderBytes: got %d, want between 32 KiB and 256 KiB", got)
	}
}

func TestServerClosesIdleConnection(t *testing.T) {
	const idle = 300 * time.Millisecond
	addr := startServer(t, serverLimits{ReadHeader: 5 * time.Second, Read: 5 * time.Second, Write: 5 * time.Second, Idle: idle, MaxHeaderBytes: 64 << 10})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	// One request on a keep-alive connection, answered in full.
	io.WriteString(c, "GET /login HTTP/1.1\r\nHost: demo\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection after the first request; want keep-alive")
	}
	start := time.Now()
	if closedWithin(t, c, r, idle/3) {
		t.Fatalf("the server closed the idle connection after %v, before IdleTimeout %v", time.Since(start), idle)
	}
	if !closedWithin(t, c, r, 10*idle) {
		t.Fatalf("an idle keep-alive connection was still open after %v (IdleTimeout %v)", time.Since(start), idle)
	}
}

func TestServerCutsTrickledRequests(t *testing.T) {
	const limit = 300 * time.Millisecond
	addr := startServer(t, serverLimits{ReadHeader: limit, Read: 2 * limit, Write: 5 * time.Second, Idle: 5 * time.Second, MaxHeaderBytes: 64 << 10})
	for _, tc := range []struct {
		name  string
		start string // sent at once
		drip  string // then one byte every 50 ms
	}{
		{"header", "GET /login HTTP/1.1\r\nHost: demo\r\n", strings.Repeat("X-Slow: 1\r\n", 20)},
		{"body", "POST /login HTTP/1.1\r\nHost: demo\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n", strings.Repeat("n", 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			io.WriteString(c, tc.start)
			done := make(chan struct{})
			go func() { // the server closes the connection: reads end
				defer close(done)
				c.SetReadDeadline(time.Now().Add(20 * limit))
				io.Copy(io.Discard, c)
			}()
			for i := 0; i < len(tc.drip); i++ {
				select {
				case <-done:
					if d := time.Since(start); d > 8*limit {
						t.Errorf("closed only after %v", d)
					}
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte{tc.drip[i]}); err != nil {
					return // reset by the server: cut off
				}
			}
			t.Fatalf("the server read a trickled request for %v without closing the connection", time.Since(start))
		})
	}
}

func TestServerRefusesOversizedHeader(t *testing.T) {
	l := demoLimits()
	addr := startServer(t, l)
	for _, tc := range []struct {
		name   string
		cookie int
		want   int
	}{
		{"largest session cookie", 16 << 10, http.StatusOK},
		{"over the limit", l.MaxHeaderBytes + 8<<10, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://"+addr+"/login", nil)
			req.Header.Set("Cookie", "other="+strings.Repeat("a", tc.cookie))
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.StatusCode; got != tc.want {
				t.Errorf("got status %d, want %d", got, tc.want)
			}
		})
	}
}

func TestFavicon(t *testing.T) {
	addr := startServer(t, demoLimits())
	const path = "/favicon.ico"
	{
		for _, method := range []string{"GET", "HEAD"} {
			req, _ := http.NewRequest(method, "http://"+addr+path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got, want := resp.StatusCode, http.StatusOK; got != want {
				t.Fatalf("%s %s: got status %d, want %d", method, path, got, want)
			}
			if got, want := resp.Header.Get("Content-Type"), "image/x-icon"; got != want {
				t.Errorf("%s %s: got Content-Type %q, want %q", method, path, got, want)
			}
			if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, "max-age=") {
				t.Errorf("%s %s: got Cache-Control %q, want a max-age", method, path, got)
			}
			if resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s %s: sets a cookie", method, path)
			}
			if method == "GET" && string(b) != favicon {
				t.Errorf("GET %s: got %d bytes, want the %d of favicon.ico", path, len(b), len(favicon))
			}
		}
	}
	// An ICO directory of one 32×32 image stored as a PNG.
	ico := []byte(favicon)
	if len(ico) < 22 || !bytes.Equal(ico[:6], []byte{0, 0, 1, 0, 1, 0}) || ico[6] != 32 || ico[7] != 32 {
		t.Fatalf("favicon.ico: not an ICO with one 32×32 image: % x", ico[:min(len(ico), 22)])
	}
	img, err := png.Decode(bytes.NewReader(ico[22:]))
	if err != nil {
		t.Fatalf("favicon.ico: the image is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
		t.Errorf("favicon.ico: got a %v image, want 32×32", b.Size())
	}

	// Every page names it, so browsers ask for exactly this.
	resp, err := http.Get("http://" + addr + "/ar/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `<link rel="icon" href="/favicon.ico" type="image/x-icon">`) {
		t.Error("the page does not link /favicon.ico")
	}
}
