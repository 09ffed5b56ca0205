// Package plainjson reads and writes the plain JSON that authsession puts
// in its tokens, in one pass and without reflection, and bounds how deeply
// a token's JSON may nest. It never decides what an input means on its
// own: its callers hand whatever it does not handle to encoding/json,
// whose result is the reference that the fuzz tests compare against.
package plainjson
