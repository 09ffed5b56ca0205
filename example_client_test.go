package authsession_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/authsession/authsession"
)

// ClientConfig.ScriptPath gives templates the versioned URL of the
// browser client, which browsers may cache for a year: it changes
// whenever the script does.
func ExampleClientConfig() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: "an example secret of at least 32 bytes",
	})
	if err != nil {
		log.Fatal(err)
	}
	path, version, _ := strings.Cut(auth.ClientConfig.ScriptPath, "?v=")
	fmt.Println(path)
	fmt.Println(len(version))
	// Output:
	// /api/session/client.js
	// 16
}
