package authsession_test

import (
	"strings"
	"testing"
)

// TestAdversarialLogsHoldNoSecrets runs a mixed batch and then checks the
// captured debug log directly (the harness also checks it after every
// test): rejections are logged, tokens and the secret are not.
func TestAdversarialLogsHoldNoSecrets(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	h.expectNoSession(t, "flipped", tok[:40]+"x"+tok[41:])
	h.expectNoSession(t, "truncated", tok[:len(tok)-3])
	h.expectNoSession(t, "header refused", withHeader(tok, `{"alg":"dir","enc":"A256GCM","jku":"https://evil.example/"}`))
	logs := h.logs.String()
	if !strings.Contains(logs, "rejected session cookie") {
		t.Fatalf("debug log lacks the rejection reasons, got:\n%s", logs)
	}
	for _, s := range []string{tok, advSecret, tok[10:27], tok[len(tok)-17:]} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q", s)
		}
	}
}
