# The Redis store module against a real single server and a real Redis
# Cluster of three masters: installs redis-server, starts a throw-away
# server and cluster on free loopback ports (scripts/lib.sh) and runs
# redisstore's tests against both under both toolchains (go_test_both,
# lib.sh; the tests start, freeze and kill their own extra servers for the
# outage and replication tests). Then the failover of a Redis Cluster with
# replicas under load (TestClusterFailover starts its own three masters
# and three replicas and kills each master in turn), verbose so that the
# log shows its numbers (RELIABILITY.md, "Failover"), and again under the
# race detector. Then the fault-injection load test in its short form: two
# demo instances on one Redis while it is frozen, thawed, killed and
# restarted; and two demo instances on the cluster while a master is killed
# and restarted, then another frozen (scripts/faultload; RELIABILITY.md has
# the full run).
start_redis
start_redis_cluster
(cd "$ROOT/redisstore" && go_test_both -skip '^TestClusterFailover$' ./...)

section "Redis Cluster with replicas: failover under load"
# go-redis logs every failed dial to the killed master ("redis: …"):
# left out of the log.
(cd "$ROOT/redisstore" && go test -count=1 -run '^TestClusterFailover$' -v . 2>&1 | grep -v '^redis: ')
(cd "$ROOT/redisstore" && go_latest test -race -count=1 -run '^TestClusterFailover$' .)

section "fault-injection load test (short form): one Redis"
DURATION=15 scripts/faultload
section "fault-injection load test (short form): Redis Cluster"
MODE=cluster DURATION=15 scripts/faultload
