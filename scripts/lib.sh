# Helpers sourced by scripts/test and its steps. Bash only.

# apt_install PKG... installs the Debian packages that are missing, running
# apt-get update once per run.
apt_install() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	if [ -z "${AUTHSESSION_APT_UPDATED:-}" ]; then
		$sudo apt-get update -qq
		export AUTHSESSION_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# on_exit CMD registers a cleanup command, run in reverse order on exit.
AUTHSESSION_CLEANUP=()
on_exit() { AUTHSESSION_CLEANUP+=("$1"); }
run_cleanup() {
	local i
	for ((i = ${#AUTHSESSION_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${AUTHSESSION_CLEANUP[$i]}" || true
	done
}

# free_port prints a free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

section() { printf '\n==> %s\n' "$*"; }
