# Static gates for every Go module in the repository, under the installed
# toolchain: the workspace (go.work) covers every module and no go.mod
# carries a replace directive, then gofmt, go vet, staticcheck and the
# layout checks (sizes, test file names, the exported surface).
# govulncheck runs in 12-vuln.sh, under the newest approved toolchain and
# strict; the race detector in 10-go.sh and the module steps.

STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}"   # staticcheck 2026.2.2, supports Go 1.26
gobin="$(go env GOPATH)/bin"

mapfile -t gate_modules < <(repo_modules)
echo "modules:" "${gate_modules[@]/#"$ROOT"/.}"

# The workspace: go.work uses exactly the repository's modules, and no
# go.mod replaces anything (a replace is ignored in a consumer's build, so
# a module that needs one does not install outside this repository).
mapfile -t work_modules < <(go work edit -json "$ROOT/go.work" | python3 -c '
import json, os, sys
root = sys.argv[1]
for u in json.load(sys.stdin).get("Use") or []:
    print(os.path.normpath(os.path.join(root, u["DiskPath"])))
' "$ROOT" | sort)
if [ "${work_modules[*]}" != "${gate_modules[*]}" ]; then
	echo "go.work must use every module of the repository, and only those:"
	diff <(printf '%s\n' "${work_modules[@]/#"$ROOT"/.}") <(printf '%s\n' "${gate_modules[@]/#"$ROOT"/.}") | sed 's/^</  in go.work only:/; s/^>/  missing from go.work:/' | grep '^ '
	echo "(go work use ./path adds a module)"
	exit 1
fi
for mod in "${gate_modules[@]}"; do
	if [ -n "$(go mod edit -json "$mod/go.mod" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Replace") or "")')" ]; then
		echo ".${mod#"$ROOT"}/go.mod has a replace directive: require a released version and let go.work resolve it locally"
		exit 1
	fi
done
echo "workspace: go.work uses all ${#gate_modules[@]} modules; no replace directives"

# gofmt: every .go file outside testdata and node_modules.
unformatted=$(find "$ROOT" -name '*.go' -not -path '*/node_modules/*' -not -path '*/testdata/*' -not -path '*/.git/*' -print0 | xargs -0 -r gofmt -l)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
echo "gofmt: clean"

for mod in "${gate_modules[@]}"; do
	(cd "$mod" && go vet ./...)
done
echo "go vet: clean"

install_tool honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION" "$gobin"
for mod in "${gate_modules[@]}"; do
	(cd "$mod" && "$gobin/staticcheck" ./...)
done
echo "staticcheck: clean"

# Layout (layout_test.go, which 10-go.sh runs again with the library's
# tests): at most 500 lines per file and 80 per function in every
# module's non-test Go files (TestSourceSizes); the root package's test
# files named after the file they test, at most 500 lines each
# (TestTestFiles); and at most 80 exported names in package authsession
# (TestExportedNames). Verbose, so that the log shows what was checked
# and the exported count.
(cd "$ROOT" && go test -count=1 -run '^(TestSourceSizes|TestTestFiles|TestExportedNames)' -v . | grep -v '^=== RUN')
