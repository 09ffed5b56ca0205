# The Redis store module against a real single server and a real Redis
# Cluster of three masters: installs redis-server, starts a throw-away
# server and cluster on free loopback ports (scripts/lib.sh) and runs
# redisstore's tests against both under both toolchains (go_test_both,
# lib.sh; the tests start, freeze and kill their own extra server for the
# outage tests). Then the fault-injection load test in its short form: two
# demo instances on one Redis while it is frozen, thawed, killed and
# restarted; and two demo instances on the cluster while a master is killed
# and restarted, then another frozen (scripts/faultload; RELIABILITY.md has
# the full run).
start_redis
start_redis_cluster
(cd "$ROOT/redisstore" && go_test_both ./...)

section "fault-injection load test (short form): one Redis"
DURATION=15 scripts/faultload
section "fault-injection load test (short form): Redis Cluster"
MODE=cluster DURATION=15 scripts/faultload
