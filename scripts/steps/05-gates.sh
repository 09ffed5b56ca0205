# Static gates for every Go module in the repository: gofmt, go vet,
# staticcheck and govulncheck. (The race detector runs in 10-go.sh.)
#
# govulncheck needs the Go vulnerability database. This machine reaches only
# the Go module proxy, not vuln.go.dev, so the step builds a local copy in
# govulncheck's file:// layout (index/db.json, index/modules.json,
# ID/<id>.json) from the OSV files in the module golang.org/x/vulndb, which
# the proxy serves. If that fails it tries vuln.go.dev with a short timeout
# and, failing that, prints loudly that the scan was SKIPPED.
#
# Findings in third-party modules that our code reaches fail the step.
# Findings in the Go standard library depend on the toolchain that builds
# the code, not on this repository: they are printed as a warning unless
# AUTHSESSION_VULN_STRICT=1, which makes them fail too.

STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}"   # staticcheck 2026.2.2, supports Go 1.26
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
gobin="$(go env GOPATH)/bin"

# install_tool PKG VERSION installs a Go command unless that version is
# already installed.
install_tool() {
	local pkg=$1 version=$2 bin
	bin="$gobin/$(basename "$pkg")"
	if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -q "mod[[:space:]].*[[:space:]]$version[[:space:]]"; then
		return 0
	fi
	echo "installing $pkg@$version"
	GOFLAGS= go install "$pkg@$version"
}

mapfile -t gate_modules < <(find "$ROOT" -name go.mod -not -path '*/node_modules/*' -not -path '*/testdata/*' -not -path '*/.git/*' -printf '%h\n' | sort)
echo "modules:" "${gate_modules[@]/#"$ROOT"/.}"

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

install_tool honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION"
for mod in "${gate_modules[@]}"; do
	(cd "$mod" && "$gobin/staticcheck" ./...)
done
echo "staticcheck: clean"

install_tool golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION"

# build_vulndb DIR builds a govulncheck file:// database in DIR from the
# OSV JSON files of golang.org/x/vulndb@latest.
build_vulndb() {
	local out=$1 json src version
	json=$(cd "${TMPDIR:-/tmp}" && GOFLAGS= timeout 120 go mod download -json golang.org/x/vulndb@latest) || return 1
	src=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') || return 1
	version=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Version"])') || return 1
	[ -d "$src/data/osv" ] || { echo "golang.org/x/vulndb@$version has no data/osv"; return 1; }
	if [ -f "$out/version" ] && [ "$(cat "$out/version")" = "$version" ]; then
		echo "vulnerability database: golang.org/x/vulndb@$version (cached in $out)"
		return 0
	fi
	rm -rf "$out.tmp" && mkdir -p "$out.tmp"
	python3 - "$src/data/osv" "$out.tmp" <<'PY' || return 1
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "index"))
os.makedirs(os.path.join(out, "ID"))
modules, vulns, latest = {}, [], "0001-01-01T00:00:00Z"
for name in sorted(os.listdir(src)):
    if not name.endswith(".json"):
        continue
    with open(os.path.join(src, name), "rb") as f:
        raw = f.read()
    e = json.loads(raw)
    modified = e.get("modified", "0001-01-01T00:00:00Z")
    latest = max(latest, modified)
    vulns.append({"id": e["id"], "modified": modified, "aliases": e.get("aliases", [])})
    for a in e.get("affected", []):
        path = a["package"]["name"]
        # "fixed" is an optional hint that lets govulncheck skip entries;
        # leaving it out makes govulncheck read every entry of a module
        # and check the ranges itself, which is always correct.
        modules.setdefault(path, []).append({"id": e["id"], "modified": modified})
    with open(os.path.join(out, "ID", e["id"] + ".json"), "wb") as f:
        f.write(raw)
def dump(name, v):
    with open(os.path.join(out, "index", name), "w") as f:
        json.dump(v, f, separators=(",", ":"))
dump("db.json", {"modified": latest})
dump("modules.json", [{"path": p, "vulns": modules[p]} for p in sorted(modules)])
dump("vulns.json", vulns)
print("vulnerability database: %d entries, %d modules" % (len(vulns), len(modules)))
PY
	echo "$version" > "$out.tmp/version"
	rm -rf "$out" && mv "$out.tmp" "$out"
	echo "vulnerability database: built from golang.org/x/vulndb@$version"
}

# vuln_report reads govulncheck -format json on stdin and prints the
# findings that our code reaches (a trace with a function). Exit status 1:
# a third-party module is affected; 2: only the standard library is.
vuln_report() {
	python3 -c '
import json, sys
dec, s, i, msgs = json.JSONDecoder(), sys.stdin.read(), 0, []
while i < len(s):
    while i < len(s) and s[i].isspace():
        i += 1
    if i >= len(s):
        break
    o, i = dec.raw_decode(s, i)
    msgs.append(o)
osv = {o["osv"]["id"]: o["osv"] for o in msgs if "osv" in o}
seen, worst = set(), 0
for o in msgs:
    f = o.get("finding")
    if not f or not f.get("trace") or "function" not in f["trace"][0]:
        continue  # imported or required but never called
    mod = f["trace"][0].get("module", "?")
    key = (f["osv"], mod)
    if key in seen:
        continue
    seen.add(key)
    std = mod == "stdlib"
    worst = max(worst, 2 if std else 1, key=lambda x: {0: 0, 2: 1, 1: 2}[x])
    print("%s %s in %s@%s (fixed in %s): %s" % ("WARN" if std else "FAIL", f["osv"], mod,
          f["trace"][0].get("version", "?"), f.get("fixed_version", "none"),
          osv.get(f["osv"], {}).get("summary", "")))
sys.exit(worst)
'
}

vulndb_dir="${AUTHSESSION_VULNDB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/authsession/vulndb}"
vulndb=""
if build_vulndb "$vulndb_dir"; then
	vulndb="file://$vulndb_dir"
elif timeout 10 curl -fsS -o /dev/null https://vuln.go.dev/index/db.json 2>/dev/null; then
	vulndb="https://vuln.go.dev"
fi
if [ -z "$vulndb" ]; then
	echo "############################################################"
	echo "# govulncheck SKIPPED: no vulnerability database reachable #"
	echo "# (golang.org/x/vulndb via the proxy and vuln.go.dev both  #"
	echo "# failed)                                                  #"
	echo "############################################################"
else
	vuln_failed=0
	for mod in "${gate_modules[@]}"; do
		echo "govulncheck .${mod#"$ROOT"} against $vulndb"
		vuln_json=$(cd "$mod" && timeout 300 "$gobin/govulncheck" -db "$vulndb" -format json ./...) || {
			echo "govulncheck failed to run in $mod"; exit 1
		}
		rc=0
		printf '%s' "$vuln_json" | vuln_report || rc=$?
		case $rc in
		0) ;;
		1) vuln_failed=1 ;;
		2)
			echo "WARNING: the Go toolchain ($(go env GOVERSION)) has known vulnerabilities reachable from this code;"
			echo "         upgrade Go. (AUTHSESSION_VULN_STRICT=1 makes this fail.)"
			[ -n "${AUTHSESSION_VULN_STRICT:-}" ] && vuln_failed=1
			;;
		*) echo "govulncheck report unreadable in $mod"; exit 1 ;;
		esac
	done
	[ "$vuln_failed" -eq 0 ] || { echo "govulncheck: vulnerable dependencies"; exit 1; }
	echo "govulncheck: no vulnerable third-party code reached"
fi
