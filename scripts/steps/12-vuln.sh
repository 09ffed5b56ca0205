# govulncheck in every module under the newest approved toolchain
# (GO_LATEST, lib.sh), strict: any vulnerability the code reaches fails the
# step, in a third-party module or in the standard library. govulncheck is
# built by that toolchain, into a GOBIN of its own, so that it reads that
# toolchain's standard library. The vulnerability database is built
# locally from the module golang.org/x/vulndb, which the Go module proxy
# serves (find_vulndb, lib.sh); without a database the step fails rather
# than pass unchecked.
#
# Only GO_LATEST is scanned: third-party findings are the same under any
# toolchain, and the installed one's standard-library findings (eight
# reachable from the library under go1.26.8, fixed in go1.26.9/10) are
# what the README's "Install" section warns about.
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
latest_gobin="$(go env GOPATH)/bin/$GO_LATEST"
GOTOOLCHAIN="$GO_LATEST" install_tool golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" "$latest_gobin"
GOTOOLCHAIN="$GO_LATEST" govulncheck_modules "$latest_gobin/govulncheck"
