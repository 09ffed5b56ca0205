package authsession_test

import (
	"fmt"
	"strings"

	"github.com/authsession/authsession"
)

// ClientScriptPath gives templates the versioned URL of the browser client,
// which browsers may cache for a year: it changes whenever the script does.
func ExampleClientScriptPath() {
	src := authsession.ClientScriptPath("/api/session")
	path, version, _ := strings.Cut(src, "?v=")
	fmt.Println(path)
	fmt.Println(len(version))
	// Output:
	// /api/session/client.js
	// 16
}
