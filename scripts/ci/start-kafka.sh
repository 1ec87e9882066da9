#!/usr/bin/env bash
# Start or stop a single-node Apache Kafka broker (KRaft, combined
# broker+controller) on 127.0.0.1 with the machine's Java, from the classpath
# scripts/ci/fetch-kafka.sh cached.
#
# Usage:
#   scripts/ci/start-kafka.sh [start] [DATA_DIR]   start (or restart on the same data and port)
#   scripts/ci/start-kafka.sh stop [DATA_DIR]      stop it (SIGTERM, then SIGKILL after 30 s)
# DATA_DIR defaults to <cache>/run. The cache is $DISTILLWATCH_KAFKA_CACHE or <repo>/.cache/kafka.
#
# On start, prints the bootstrap servers and writes them to DATA_DIR/bootstrap
# (the marker file the tests read), the pid to DATA_DIR/pid. When Kafka was not
# fetched (no classpath, or the UNAVAILABLE marker is present) it prints
# "Apache Kafka unavailable: <why>" and exits 0 without writing DATA_DIR/bootstrap.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${DISTILLWATCH_KAFKA_CACHE:-$repo_root/.cache/kafka}"
action="start"
if [[ "${1:-}" == "start" || "${1:-}" == "stop" ]]; then action="$1"; shift; fi
data="${1:-$cache/run}"
mkdir -p "$data"

stop_broker() {
  [[ -f "$data/pid" ]] || { echo "no Kafka pid file in $data"; return 0; }
  local pid
  pid="$(cat "$data/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$data/pid" "$data/bootstrap"
  echo "Apache Kafka stopped ($data)"
}

if [[ "$action" == "stop" ]]; then stop_broker; exit 0; fi

unavailable() {
  echo "Apache Kafka unavailable: $1"
  exit 0
}
[[ -f "$cache/UNAVAILABLE" ]] && unavailable "$(cat "$cache/UNAVAILABLE")"
[[ -s "$cache/classpath.txt" ]] || unavailable "not fetched yet (run scripts/ci/fetch-kafka.sh)"
command -v java >/dev/null 2>&1 || unavailable "java not found on PATH"
classpath="$(cat "$cache/classpath.txt")"

if [[ -f "$data/pid" ]] && kill -0 "$(cat "$data/pid")" 2>/dev/null; then
  echo "Apache Kafka already running: $(cat "$data/bootstrap" 2>/dev/null)"
  exit 0
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Ports and cluster id are chosen once per data dir, so a restart keeps both
# (clients reconnect to the same address, and the log dir stays valid).
if [[ ! -f "$data/ports" ]]; then
  echo "$(free_port) $(free_port)" > "$data/ports"
fi
read -r port cport < "$data/ports"

cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=1000
PROPS

cat > "$data/log4j.properties" <<LOG
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$data/kafka.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG

jvm=(java -Xms256m -Xmx512m -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
     "-Dlog4j.configuration=file:$data/log4j.properties" -cp "$classpath")

if [[ ! -f "$data/logs/meta.properties" ]]; then
  cluster_id="$("${jvm[@]}" kafka.tools.StorageTool random-uuid)"
  "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$data/server.properties" \
    >"$data/format.log" 2>&1 || unavailable "storage format failed: $(tail -n1 "$data/format.log")"
fi

nohup "${jvm[@]}" kafka.Kafka "$data/server.properties" >"$data/stdout.log" 2>&1 &
pid=$!
echo "$pid" > "$data/pid"

# Ready = the listener accepts connections (bounded wait: 60 s).
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$data/pid"
    unavailable "broker exited during startup: $(tail -n3 "$data/kafka.log" "$data/stdout.log" 2>/dev/null | tr '\n' ' ' | cut -c1-400)"
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "127.0.0.1:$port" > "$data/bootstrap"
    echo "Apache Kafka started: 127.0.0.1:$port (pid $pid, data $data)"
    exit 0
  fi
  sleep 0.1
done
stop_broker >/dev/null
unavailable "broker did not listen on 127.0.0.1:$port within 60 s"
