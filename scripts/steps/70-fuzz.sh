# Bounded fuzzing: every Fuzz target of every package of every module runs
# for a share of AUTHSESSION_FUZZ_BUDGET seconds (default 60, at least
# AUTHSESSION_FUZZ_MIN seconds per target, default 8). Targets are found
# with `go test -list`, so targets added later run without editing this
# file. -fuzz takes one target of one package per run, hence the loop.
# Fuzzing runs under GO_LATEST (lib.sh).
#
# A failing input is written by Go to <package>/testdata/fuzz/<Target>/ —
# commit it: it then runs as a regular test case under plain `go test`.

fuzz_budget="${AUTHSESSION_FUZZ_BUDGET:-60}"
fuzz_min="${AUTHSESSION_FUZZ_MIN:-8}"

mapfile -t fuzz_modules < <(repo_modules)

# Collect "module-dir package target" triples.
fuzz_targets=()
for mod in "${fuzz_modules[@]}"; do
	# (The listing does not depend on the toolchain; the installed one has
	# these test binaries cached from the plain runs.)
	listing=$(cd "$mod" && go test -list '^Fuzz' ./...) || { echo "go test -list failed in $mod"; exit 1; }
	pending=()
	while IFS= read -r line; do
		case $line in
		Fuzz*) pending+=("$line") ;;
		ok*)
			pkg=$(awk '{print $2}' <<<"$line")
			for t in "${pending[@]}"; do fuzz_targets+=("$mod $pkg $t"); done
			pending=()
			;;
		*) pending=() ;;
		esac
	done <<<"$listing"
done

# fuzz_one MOD PKG TARGET runs one target under GO_LATEST. (Go 1.26's fuzz
# coordinator could fail a run with "context deadline exceeded" when
# -fuzztime ended while a worker was mid-call, golang/go#75804; Go 1.27
# fixed it, so a failure here is a failure.)
fuzz_one() {
	local mod=$1 pkg=$2 target=$3 out
	# timeout guards against a hung run; the fuzzer stops itself after
	# -fuzztime.
	if out=$(cd "$mod" && timeout $((per_target + 180)) env GOTOOLCHAIN="$GO_LATEST" go test -run '^$' -fuzz "^${target}\$" -fuzztime "${per_target}s" "$pkg" 2>&1); then
		tail -n 6 <<<"$out"
		return 0
	fi
	tail -n 12 <<<"$out"
	return 1
}

if [ ${#fuzz_targets[@]} -eq 0 ]; then
	echo "no fuzz targets found"
else
	per_target=$((fuzz_budget / ${#fuzz_targets[@]}))
	[ "$per_target" -lt "$fuzz_min" ] && per_target=$fuzz_min
	echo "${#fuzz_targets[@]} fuzz targets, ${per_target}s each"
	fuzz_failed=()
	for entry in "${fuzz_targets[@]}"; do
		read -r mod pkg target <<<"$entry"
		echo "--- $pkg $target"
		if ! fuzz_one "$mod" "$pkg" "$target"; then
			fuzz_failed+=("$pkg $target")
		fi
	done
	if [ ${#fuzz_failed[@]} -gt 0 ]; then
		echo "fuzzing found failures (inputs saved under the package's testdata/fuzz/; commit them):"
		printf '  %s\n' "${fuzz_failed[@]}"
		git -C "$ROOT" status --short -- '*testdata/fuzz/*' || true
		exit 1
	fi
	echo "fuzzing: no failures"
fi
