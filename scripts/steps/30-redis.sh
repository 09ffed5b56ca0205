# The Redis store module: installs redis-server, starts a throw-away one on
# a free loopback port (no persistence) and runs redisstore's tests against
# it, under both toolchains (go_test_both, lib.sh). The tests start and
# kill their own second server for the outage test.
start_redis
(cd "$ROOT/redisstore" && go_test_both ./...)
