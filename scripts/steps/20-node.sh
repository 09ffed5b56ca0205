# Node.js packages for the interoperability tests (interop_node_test.go):
# jose, @auth/core and next-auth@4, pinned by testdata/node/package-lock.json.
# The Go tests themselves run in 10-go.sh; this step only sets them up, so
# it must run first: scripts/test sources steps in order, and 10-go.sh
# would otherwise see no node_modules.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	apt_install nodejs npm
fi
(cd "$ROOT/testdata/node" && npm ci --no-audit --no-fund --loglevel=error)
export AUTHSESSION_NODE_INTEROP=1
# 10-go.sh skipped these tests if node_modules was not there yet.
(cd "$ROOT" && go test -race -count=1 -run '^TestNode' .)
