# The documentation's checks (internal/docscheck, its own module so that it
# can build the guides' programs against every module of the workspace):
# every Go block of every Markdown file compiles (go vet), every relative
# link and #anchor resolves, JSON blocks parse, every test the docs cite
# exists, docs/configuration.md's defaults are the resolved Config's, the
# README's install lines resolve each published module outside the
# workspace, and the README's Quick start, built with those lines in a
# module of its own, runs and is driven over HTTP (sign in, dashboard,
# asset, sign out). Prints the README's word count (at most 3,000).
(cd "$ROOT/internal/docscheck" && go test -count=1 -v . 2>&1 | grep -Ev '^(=== RUN|=== PAUSE|=== CONT)') || {
	echo "the documentation checks failed (cd internal/docscheck && go test -v .)"
	exit 1
}
