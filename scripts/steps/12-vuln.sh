# govulncheck under the newest approved toolchain (GO_LATEST, lib.sh), in
# every module, strict: any vulnerability our code reaches fails the step,
# in the standard library too. govulncheck is built by that toolchain, into
# a GOBIN of its own, so that it reads that toolchain's standard library.
# The vulnerability database is the one 05-gates.sh built (find_vulndb);
# without one this step fails rather than pass unchecked.
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
latest_gobin="$(go env GOPATH)/bin/$GO_LATEST"
GOTOOLCHAIN="$GO_LATEST" install_tool golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" "$latest_gobin"
GOTOOLCHAIN="$GO_LATEST" govulncheck_modules "$latest_gobin/govulncheck" 1
