package authsession_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
)

const nodeDir = "testdata/node"

// nodeInteropEnv is set by scripts/steps/20-node.sh once it has installed
// the npm packages; that step then runs the TestNode tests.
const nodeInteropEnv = "AUTHSESSION_NODE_INTEROP"

// requireNode returns a runner for testdata/node/interop.mjs, or skips (or,
// under scripts/test, fails) when Node.js or the npm packages are missing.
//
// scripts/test runs the Go tests (10-go.sh) before it installs the npm
// packages (20-node.sh), so without node_modules and without
// AUTHSESSION_NODE_INTEROP this is a plain skip: 20-node.sh runs these tests
// again with the variable set, where a missing package fails.
func requireNode(t *testing.T) nodeFunc {
	t.Helper()
	how := "run scripts/test, or: cd testdata/node && npm ci"
	if testenv.Required() && os.Getenv(nodeInteropEnv) == "" {
		// Under scripts/test, before 20-node.sh: that step runs these
		// tests once the packages are installed; don't run them twice.
		t.Skipf("skipping: runs in scripts/steps/20-node.sh")
	}
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "jose")); err != nil {
		if os.Getenv(nodeInteropEnv) == "" {
			t.Skipf("skipping: Node.js packages not installed (%s); scripts/steps/20-node.sh installs them and runs this test", how)
		}
		testenv.Missing(t, "Node.js packages in testdata/node/node_modules", how)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "the node command", "apt-get install nodejs npm")
	}
	srv := startNode(t, node)
	return func(t *testing.T, cmd map[string]any) map[string]json.RawMessage {
		t.Helper()
		in, err := json.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		out, err := srv.call(in)
		var res map[string]json.RawMessage
		if err == nil {
			err = json.Unmarshal(out, &res)
		}
		if err != nil {
			t.Fatalf("node %s: %v (stderr: %s)", cmd["op"], err, srv.stderr.String())
		}
		if e, ok := res["error"]; ok {
			t.Fatalf("node %s %v: %s", cmd["op"], cmd["format"], e)
		}
		return res
	}
}

// nodeServer is `node interop.mjs --serve`, started once for a test (the
// packages take a while to load) and stopped when it ends. Its subtests
// share it: call sends one command at a time.
type nodeServer struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr testenv.Buffer
}

// nodeCallTimeout bounds one command: a hung Node.js process fails the
// test instead of stalling it.
const nodeCallTimeout = 30 * time.Second

func startNode(t *testing.T, node string) *nodeServer {
	t.Helper()
	srv := &nodeServer{cmd: exec.Command(node, "interop.mjs", "--serve")}
	srv.cmd.Dir = nodeDir
	srv.cmd.Stderr = &srv.stderr
	in, err := srv.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := srv.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.cmd.Start(); err != nil {
		t.Fatalf("starting node: %v", err)
	}
	srv.in, srv.out = in, bufio.NewReader(out)
	t.Cleanup(func() {
		in.Close() // the server ends when its input does
		done := make(chan error, 1)
		go func() { done <- srv.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(nodeCallTimeout):
			srv.cmd.Process.Kill()
			<-done
		}
	})
	return srv
}

// call sends one command line and returns the answer line.
func (s *nodeServer) call(cmd []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	timer := time.AfterFunc(nodeCallTimeout, func() { s.cmd.Process.Kill() })
	defer timer.Stop()
	if _, err := s.in.Write(append(cmd, '\n')); err != nil {
		return nil, err
	}
	return s.out.ReadBytes('\n')
}

// nodeError runs a command that must fail and returns its error message.
func nodeError(t *testing.T, cmd map[string]any) string {
	t.Helper()
	in, _ := json.Marshal(cmd)
	c := exec.Command("node", "interop.mjs")
	c.Dir = nodeDir
	c.Stdin = bytes.NewReader(in)
	out, err := c.Output()
	if err == nil {
		t.Fatalf("node %s %v: succeeded, want an error", cmd["op"], cmd["format"])
	}
	var res struct{ Error string }
	if json.Unmarshal(out, &res) != nil || res.Error == "" {
		t.Fatalf("node %s: %v, no JSON error", cmd["op"], err)
	}
	return res.Error
}

// nodePackageVersion is the installed version of an npm package.
func nodePackageVersion(t *testing.T, pkg string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(nodeDir, "node_modules", pkg, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Version string }
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p.Version
}

// TestNodeInterop makes every golden case afresh, now, with the real npm
// packages: tokens they make must open here, and tokens made here must
// open with them (jose following the README for the default format,
// @auth/core's and next-auth's own decode for theirs).
func TestNodeInterop(t *testing.T) {
	node := requireNode(t)
	t0 := time.UnixMilli(time.Now().UnixMilli())
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := makeVector(t, c, t0, node)
			checkVector(t, v)
			if c.producer != "authsession" {
				return
			}
			secrets := append([]string{c.secret}, c.previous...)
			var secret any = secrets
			if c.format == authsession.FormatNextAuthV4 {
				if c.keyIndex != 0 {
					return // next-auth v4 takes a single secret: no rotation
				}
				secret = c.secret
			}
			out := node(t, map[string]any{"op": "decrypt", "format": string(c.format), "secret": secret,
				"cookieName": c.cookieName, "token": v.Token, "now": t0.Unix() + 60})
			var got map[string]any
			if err := json.Unmarshal(out["payload"], &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{}
			if c.format == authsession.FormatDefault {
				if err := json.Unmarshal(v.Session, &want); err != nil {
					t.Fatal(err)
				}
			} else {
				want = c.foreignClaims()
				want[createdAtClaim] = float64(t0.Add(-c.age).Unix())
			}
			want["iat"], want["exp"], want["jti"] = float64(t0.Unix()), float64(t0.Add(7*24*time.Hour).Unix()), v.ID
			wantJSON, _ := json.Marshal(want)
			gotJSON, _ := json.Marshal(got)
			if !jsonEqual(gotJSON, wantJSON) {
				t.Errorf("payload read by Node:\ngot  %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

// TestNodeRejects checks that the npm packages refuse tokens made here
// under another secret or (where the key depends on it) cookie name.
func TestNodeRejects(t *testing.T) {
	requireNode(t)
	tests := []struct {
		name       string
		format     authsession.TokenFormat
		cookieName string
		cmd        map[string]any
	}{
		{"default wrong secret", authsession.FormatDefault, "session", map[string]any{"secret": secretB, "cookieName": "session"}},
		{"default wrong cookie name", authsession.FormatDefault, "session", map[string]any{"secret": secretA, "cookieName": "other"}},
		{"authjs wrong secret", authsession.FormatAuthJS, "authjs.session-token", map[string]any{"secret": secretB, "cookieName": "authjs.session-token"}},
		{"authjs wrong cookie name", authsession.FormatAuthJS, "authjs.session-token", map[string]any{"secret": secretA, "cookieName": "__Secure-authjs.session-token"}},
		{"nextauth-v4 wrong secret", authsession.FormatNextAuthV4, "next-auth.session-token", map[string]any{"secret": secretB, "cookieName": "next-auth.session-token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auth := buildAuth(t, authsession.Config[authsession.User]{
				Secret: secretA, Format: tt.format, Cookie: authsession.CookieConfig{Name: tt.cookieName},
			})
			tok, err := auth.EncryptSession(goldenCases[0].session(time.UnixMilli(time.Now().UnixMilli())))
			if err != nil {
				t.Fatal(err)
			}
			cmd := map[string]any{"op": "decrypt", "format": string(tt.format), "token": tok}
			for k, v := range tt.cmd {
				cmd[k] = v
			}
			if msg := nodeError(t, cmd); strings.Contains(msg, tok) {
				t.Errorf("error message contains the token")
			}
		})
	}
}

// TestNodeChunkedCookies sends a session too large for one cookie both
// ways: chunks written by CreateSession are read by the packages' own
// getToken, and chunks of a token made by a package are read by
// GetSession.
func TestNodeChunkedCookies(t *testing.T) {
	node := requireNode(t)
	big := strings.Repeat("x", 6000)
	for _, f := range []authsession.TokenFormat{authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		t.Run(string(f), func(t *testing.T) {
			auth := buildAuth(t, authsession.Config[authsession.User]{Secret: secretA, Format: f})
			name := auth.Config.Cookie.Name
			user := userBob
			user.Extra = map[string]any{"bio": big}

			// Go writes, the package reads.
			rec := httptest.NewRecorder()
			if _, err := auth.CreateSession(rec, httptest.NewRequest("GET", "/", nil), user); err != nil {
				t.Fatal(err)
			}
			cookies := map[string]any{}
			for _, ck := range rec.Result().Cookies() {
				cookies[ck.Name] = ck.Value
			}
			if len(cookies) < 2 {
				t.Fatalf("cookies: got %d, want a chunked cookie", len(cookies))
			}
			out := node(t, map[string]any{"op": "getToken", "format": string(f), "secret": secretA, "cookieName": name, "cookies": cookies})
			var got struct{ Sub, Bio string }
			if err := json.Unmarshal(out["payload"], &got); err != nil {
				t.Fatal(err)
			}
			if got.Sub != user.ID || got.Bio != big {
				t.Errorf("getToken: got sub %q and a %d-byte bio, want %q and %d bytes", got.Sub, len(got.Bio), user.ID, len(big))
			}

			// The package writes, Go reads it split as the package would.
			claims := goldenCase{user: user}.foreignClaims()
			enc := node(t, map[string]any{"op": "encrypt", "format": string(f), "secret": secretA, "cookieName": name, "payload": claims, "maxAge": 3600})
			tok := jsonString(t, enc["token"])
			r := httptest.NewRequest("GET", "/", nil)
			const chunk = 3936 // Auth.js and NextAuth.js: 4096 - 160
			for i := 0; len(tok) > 0; i++ {
				n := min(chunk, len(tok))
				r.AddCookie(&http.Cookie{Name: name + "." + string(rune('0'+i)), Value: tok[:n]})
				tok = tok[n:]
			}
			s, ok := auth.GetSession(r)
			if !ok {
				t.Fatal("GetSession: got no session, want one")
			}
			if s.User.ID != user.ID || s.User.ExtraString("bio") != big {
				t.Errorf("GetSession: got id %q and a %d-byte bio, want %q and %d bytes", s.User.ID, len(s.User.ExtraString("bio")), user.ID, len(big))
			}
		})
	}
}
