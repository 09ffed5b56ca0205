# The PostgreSQL store module against a real server: installs Debian's
# postgresql, starts a throw-away server on a free loopback port as a
# non-root user in a temporary directory (start_postgres, scripts/lib.sh;
# stopped when scripts/test exits) and runs pgstore's tests under both
# toolchains (go_test_both, lib.sh). The outage tests cut or freeze the
# network between the store and that server through a proxy of their own,
# or lock the store's table from another session.
start_postgres
(cd "$ROOT/pgstore" && go_test_both ./...)
