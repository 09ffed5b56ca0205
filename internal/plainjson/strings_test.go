package plainjson

import (
	"testing"
	"unsafe"
)

// TestShare: every value is set, empty ones to "" pointing nowhere into
// the shared bytes, and all of them cost one allocation.
func TestShare(t *testing.T) {
	src := [][]byte{[]byte("abc"), nil, []byte(""), []byte("δέλτα"), []byte("x")}
	dst := make([]string, len(src))
	Share(src, dst)
	for i, v := range src {
		if dst[i] != string(v) {
			t.Errorf("dst[%d] = %q, want %q", i, dst[i], v)
		}
	}
	if unsafe.StringData(dst[1]) != nil || unsafe.StringData(dst[2]) != nil {
		t.Error("an empty value points into the shared bytes")
	}
	src[0][0] = 'X' // the input's memory is reused: the strings do not change
	if dst[0] != "abc" {
		t.Errorf("dst[0] = %q after the input changed, want %q", dst[0], "abc")
	}
	if n := testing.AllocsPerRun(100, func() { Share(src, dst) }); n != 1 {
		t.Errorf("%v allocations, want 1", n)
	}
	none := make([]string, 2)
	Share([][]byte{nil, {}}, none)
	if none[0] != "" || none[1] != "" {
		t.Errorf("empty values: got %q", none)
	}
}
