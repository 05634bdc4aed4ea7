#!/usr/bin/env bash
# Local infrastructure for Rapport's distributed mode, started by the project itself:
#   - Apache Kafka (KRaft, one combined broker+controller node), from Maven Central jars
#   - FerretDB (MongoDB wire protocol), built from the Go module, on a PostgreSQL cluster of its
#     own (the machine's PostgreSQL binaries, run as an unprivileged user, on loopback); or, with
#     RAPPORT_FERRETDB_BACKEND=sqlite, on its SQLite backend (no PostgreSQL needed)
# Everything binds to 127.0.0.1; data, logs, pid files and caches live in infra/.local/.
#
#   infra/infra.sh up       fetch/build what is not cached, start both, wait until they answer
#   infra/infra.sh down     stop both (SIGTERM, wait, then SIGKILL)
#   infra/infra.sh status   running/stopped for each; exit 1 if either is down
#   infra/infra.sh reset    down, then delete data and logs (keeps the jar and binary caches)
#   infra/infra.sh smoke    end-to-end check with the project's own drivers (needs npm ci)
#   infra/infra.sh kafka-node DIR PORT CONTROLLER_PORT
#                           one more single-node KRaft broker in the foreground (exec'd: its pid is
#                           this command's), data, config and logs under DIR; for tests that stop and
#                           restart a broker of their own (the jars must be fetched: run `up` once)
#
# Environment (all optional):
#   RAPPORT_KAFKA_PORT (9092), RAPPORT_KAFKA_CONTROLLER_PORT (9093), RAPPORT_MONGO_PORT (27017),
#   RAPPORT_KAFKA_HEAP_OPTS ("-Xms256m -Xmx512m"), RAPPORT_KAFKA_AUTO_CREATE_TOPICS (false),
#   RAPPORT_INFRA_WAIT (seconds to wait for readiness, 180), JAVA (java on PATH), MVN, GO,
#   RAPPORT_FERRETDB_BACKEND (postgresql | sqlite), RAPPORT_POSTGRES_PORT (5433),
#   RAPPORT_POSTGRES_USER (the user PostgreSQL runs as when infra.sh runs as root: postgres),
#   PG_BIN (the newest /usr/lib/postgresql/*/bin).
# See docs/infrastructure.md.
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$INFRA_DIR")"
LOCAL="$INFRA_DIR/.local"

HOST=127.0.0.1
KAFKA_PORT="${RAPPORT_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${RAPPORT_KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${RAPPORT_MONGO_PORT:-27017}"
KAFKA_HEAP_OPTS="${RAPPORT_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_AUTO_CREATE_TOPICS="${RAPPORT_KAFKA_AUTO_CREATE_TOPICS:-false}"
WAIT_SECONDS="${RAPPORT_INFRA_WAIT:-180}"
JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"
GO="${GO:-go}"
NODE="${NODE:-node}"

# A fixed KRaft cluster id (22 characters of base64url = 16 bytes: "rapport-local-kf").
KAFKA_CLUSTER_ID="cmFwcG9ydC1sb2NhbC1rZg"
KAFKA_POM="$INFRA_DIR/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM")"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
FERRETDB_VERSION="v1.24.2"

K_HOME="$LOCAL/kafka"
K_LIBS="$K_HOME/libs"
K_CONF="$K_HOME/config/server.properties"
K_DATA="$K_HOME/data"
K_LOGS="$K_HOME/logs"
K_PID="$K_HOME/kafka.pid"
K_PORTFILE="$K_HOME/kafka.port"

FERRETDB_BACKEND="${RAPPORT_FERRETDB_BACKEND:-postgresql}"
case "$FERRETDB_BACKEND" in sqlite | postgresql) ;; *)
  printf '[infra] error: RAPPORT_FERRETDB_BACKEND must be sqlite or postgresql, got %s\n' "$FERRETDB_BACKEND" >&2
  exit 2
  ;;
esac
POSTGRES_PORT="${RAPPORT_POSTGRES_PORT:-5433}"
PG_USER="${RAPPORT_POSTGRES_USER:-postgres}"
PG_BIN="${PG_BIN:-$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)}"
P_HOME="$LOCAL/postgres"
P_DATA="$P_HOME/data"
P_LOGS="$P_HOME/logs"

F_BIN="$LOCAL/bin/ferretdb"
F_HOME="$LOCAL/ferretdb"
F_DATA="$F_HOME/data"
F_STATE="$F_HOME/state"
F_LOGS="$F_HOME/logs"
F_PID="$F_HOME/ferretdb.pid"
F_PORTFILE="$F_HOME/ferretdb.port"

log() { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] %s\n' "$*" >&2; }
die() {
  warn "error: $*"
  exit 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs_since() { # ms-timestamp -> "12.3s"
  local d=$(($(now_ms) - $1))
  printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100))
}
need() { command -v "$1" >/dev/null 2>&1 || die "$2"; }

# ---------------------------------------------------------------- processes

# pid_of PIDFILE MARKER: prints the pid if that process runs and its command line
# contains MARKER (so a recycled pid is never mistaken for ours); removes a stale file.
pid_of() {
  local file="$1" marker="$2" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
    echo "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

tcp_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

probe() { # probe kafka|mongo PORT -> prints what answered
  "$NODE" "$INFRA_DIR/probe.js" "$1" "$HOST:$2"
}

# wait_ready NAME KIND PORT PIDFILE MARKER STAMP LOGFILE... (PIDFILE empty: not started by
# us). When the process dies, shows the log files written since STAMP was touched.
wait_ready() {
  local name="$1" kind="$2" port="$3" pidfile="$4" marker="$5" stamp="$6" logfile="$7" f
  shift 6
  local deadline=$(($(date +%s) + WAIT_SECONDS)) out
  while :; do
    if out="$(probe "$kind" "$port" 2>&1)"; then
      log "$out"
      return 0
    fi
    if [[ -n "$pidfile" ]] && ! pid_of "$pidfile" "$marker" >/dev/null; then
      warn "$name exited during startup"
      for f in "$@"; do
        [[ -s "$f" && ! "$f" -ot "$stamp" ]] || continue
        warn "last lines of $f:"
        tail -n 30 "$f" >&2
      done
      return 1
    fi
    if (($(date +%s) >= deadline)); then
      warn "$name did not answer within ${WAIT_SECONDS}s: $out (log: $logfile)"
      return 1
    fi
    sleep 0.5
  done
}

# stop_process NAME PIDFILE MARKER GRACE_SECONDS
stop_process() {
  local name="$1" pidfile="$2" marker="$3" grace="$4" pid i
  if ! pid="$(pid_of "$pidfile" "$marker")"; then
    log "$name: not running"
    return 0
  fi
  log "$name: stopping (pid $pid, SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name: still running after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  log "$name: stopped"
}

# ---------------------------------------------------------------- Kafka

check_java() {
  need "$JAVA" "Java 17 (11 at least) is needed to run Kafka: install a JDK or set JAVA=/path/to/java"
  local v major
  v="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1 || true)"
  major="${v%%.*}"
  [[ "$major" == 1 ]] && major="$(echo "$v" | cut -d. -f2)"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 11)); then
    die "Kafka $KAFKA_VERSION needs Java 11 or newer (17 recommended), found '$v'"
  fi
}

# The jars, from Maven Central through infra/kafka/pom.xml; re-fetched only when the pom changes.
kafka_libs() {
  local stamp want
  want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  stamp="$(cat "$K_LIBS/.pom.sha256" 2>/dev/null || true)"
  if [[ "$stamp" == "$want" ]] && compgen -G "$K_LIBS/kafka_2.13-*.jar" >/dev/null; then
    log "kafka: jars cached in ${K_LIBS#"$ROOT_DIR/"}"
    return 0
  fi
  need "$MVN" "Maven is needed once, to fetch the Kafka jars from Maven Central"
  local t0 tmp
  t0="$(now_ms)"
  log "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central (first run only)"
  tmp="$K_HOME/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  mkdir -p "$K_LOGS"
  if ! "$MVN" -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" >"$K_LOGS/maven-fetch.log" 2>&1; then
    tail -n 40 "$K_LOGS/maven-fetch.log" >&2
    rm -rf "$tmp"
    die "kafka: 'mvn dependency:copy-dependencies' failed (log: $K_LOGS/maven-fetch.log)"
  fi
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$K_LIBS"
  mv "$tmp" "$K_LIBS"
  log "kafka: $(find "$K_LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$K_LIBS" | cut -f1)) in $(secs_since "$t0")"
}

# kafka_config PORT CONTROLLER_PORT DATA_DIR CONF: writes a server.properties from the template.
kafka_config() {
  local port="$1" controller_port="$2" data="$3" conf="$4"
  mkdir -p "$(dirname "$conf")" "$data"
  sed -e "s|@KAFKA_PORT@|$port|g" \
    -e "s|@CONTROLLER_PORT@|$controller_port|g" \
    -e "s|@DATA_DIR@|$data|g" \
    -e "s|@AUTO_CREATE_TOPICS@|$KAFKA_AUTO_CREATE_TOPICS|g" \
    "$INFRA_DIR/kafka/server.properties.in" >"$conf.tmp"
  mv "$conf.tmp" "$conf"
}

# kafka_format CONF DATA_DIR LOGS_DIR: formats the KRaft storage once.
kafka_format() {
  local conf="$1" data="$2" logs="$3"
  [[ -f "$data/meta.properties" ]] && return 0
  mkdir -p "$logs"
  log "kafka: formatting KRaft storage in $data (cluster id $KAFKA_CLUSTER_ID)"
  "$JAVA" -Xmx256m -Dlog4j.configuration="file:$INFRA_DIR/kafka/tools-log4j.properties" \
    -cp "$K_LIBS/*" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$conf" \
    >>"$logs/storage-format.log" 2>&1 ||
    {
      tail -n 20 "$logs/storage-format.log" >&2
      die "kafka: storage format failed"
    }
}

# kafka_exec CONF LOGS_DIR: replaces the shell with the broker's JVM (the one place that
# knows its command line), so whoever started this shell holds the broker's pid.
kafka_exec() {
  local conf="$1" logs="$2"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM options
  exec "$JAVA" $KAFKA_HEAP_OPTS \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-XX:ErrorFile=$logs/hs_err_pid%p.log" \
    "-Xlog:gc*:file=$logs/kafkaServer-gc.log:time,tags:filecount=5,filesize=10M" \
    -Dkafka.logs.dir="$logs" \
    -Dlog4j.configuration="file:$INFRA_DIR/kafka/log4j.properties" \
    -cp "$K_LIBS/*" kafka.Kafka "$conf"
}

KAFKA_STARTED=0
kafka_start() {
  local pid
  if pid="$(pid_of "$K_PID" "$K_CONF")"; then
    log "kafka: already running (pid $pid)"
    KAFKA_PORT="$(cat "$K_PORTFILE" 2>/dev/null || echo "$KAFKA_PORT")"
    return 0
  fi
  if tcp_open "$KAFKA_PORT"; then
    if probe kafka "$KAFKA_PORT" >/dev/null 2>&1; then
      warn "kafka: $HOST:$KAFKA_PORT already answers as a Kafka broker that infra.sh did not start; using it"
      return 0
    fi
    die "kafka: port $HOST:$KAFKA_PORT is taken by another program (set RAPPORT_KAFKA_PORT)"
  fi
  tcp_open "$KAFKA_CONTROLLER_PORT" && die "kafka: controller port $HOST:$KAFKA_CONTROLLER_PORT is taken (set RAPPORT_KAFKA_CONTROLLER_PORT)"
  kafka_config "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$K_DATA" "$K_CONF"
  mkdir -p "$K_LOGS"
  kafka_format "$K_CONF" "$K_DATA" "$K_LOGS"
  log "kafka: starting Kafka $KAFKA_VERSION (KRaft broker+controller) on $HOST:$KAFKA_PORT"
  touch "$K_HOME/start.stamp"
  # Detached (own session, no terminal, no inherited lock fd), working directory in .local.
  (cd "$K_HOME" && exec nohup setsid "$BASH" "$INFRA_DIR/infra.sh" kafka-exec "$K_CONF" "$K_LOGS") \
    >>"$K_LOGS/kafka.out" 2>&1 </dev/null 9>&- &
  echo $! >"$K_PID"
  echo "$KAFKA_PORT" >"$K_PORTFILE"
  KAFKA_STARTED=1
}

# ---------------------------------------------------------------- FerretDB

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that
# panics at start ("Invalid build/version/version.txt"): the module zip lacks the
# version.txt that FerretDB's release process generates. So the same module source is
# taken from the Go module cache (go mod download), version.txt is written, and it is
# built with go build. The binary is cached in infra/.local/bin.
ferretdb_binary() {
  if [[ -x "$F_BIN" ]] && [[ "$("$F_BIN" --version 2>/dev/null | head -n 1)" == "version: $FERRETDB_VERSION" ]]; then
    log "ferretdb: binary cached in ${F_BIN#"$ROOT_DIR/"}"
    return 0
  fi
  need "$GO" "Go is needed once, to build FerretDB $FERRETDB_VERSION from the Go module proxy"
  local t0 src dir
  t0="$(now_ms)"
  log "ferretdb: building FerretDB $FERRETDB_VERSION with $("$GO" version | cut -d' ' -f3) (first run only)"
  mkdir -p "$LOCAL/bin" "$LOCAL/build"
  mkdir -p "$F_LOGS"
  local buildlog="$F_LOGS/build.log"
  dir="$(cd "$LOCAL/build" && "$GO" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>"$buildlog" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || true
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    tail -n 40 "$buildlog" >&2
    die "ferretdb: 'go mod download $FERRETDB_MODULE@$FERRETDB_VERSION' failed (log: $buildlog)"
  fi
  src="$LOCAL/build/ferretdb-$FERRETDB_VERSION"
  rm -rf "$src"
  cp -R "$dir" "$src"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  if ! (cd "$src" && "$GO" build -trimpath -buildvcs=false -o "$F_BIN.tmp" ./cmd/ferretdb) >>"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    rm -rf "$src" "$F_BIN.tmp"
    die "ferretdb: go build failed (log: $buildlog)"
  fi
  mv "$F_BIN.tmp" "$F_BIN"
  rm -rf "$LOCAL/build"
  log "ferretdb: built ${F_BIN#"$ROOT_DIR/"} in $(secs_since "$t0")"
}

# ---------------------------------------------------------------- PostgreSQL (FerretDB's other backend)

# PostgreSQL refuses to run as root: as root, its commands run as $PG_USER.
as_pg() {
  if [[ $EUID -eq 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

postgres_running() {
  [[ -f "$P_DATA/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$P_DATA" status >/dev/null 2>&1
}

postgres_start() {
  [[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]] || die "postgres: no initdb under /usr/lib/postgresql/*/bin (install PostgreSQL, or set PG_BIN)"
  mkdir -p "$P_HOME" "$P_LOGS"
  if [[ $EUID -eq 0 ]]; then chown -R "$PG_USER" "$P_HOME"; fi
  if [[ ! -f "$P_DATA/PG_VERSION" ]]; then
    log "postgres: creating a cluster in ${P_DATA#"$ROOT_DIR/"} (runs as $(if [[ $EUID -eq 0 ]]; then echo "$PG_USER"; else id -un; fi))"
    as_pg "$PG_BIN/initdb" -D "$P_DATA" -A trust -U postgres -E UTF8 >>"$P_LOGS/initdb.log" 2>&1 || die "postgres: initdb failed (log: $P_LOGS/initdb.log)"
  fi
  if postgres_running; then
    log "postgres: already running"
  else
    log "postgres: starting PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $HOST:$POSTGRES_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$P_DATA" -w -t "$WAIT_SECONDS" -l "$P_LOGS/postgres.log" \
      -o "-p $POSTGRES_PORT -k $P_HOME -c listen_addresses=$HOST" start >/dev/null 2>&1 </dev/null 9>&- ||
      die "postgres: did not start (log: $P_LOGS/postgres.log)"
  fi
  if ! as_pg "$PG_BIN/psql" -h "$HOST" -p "$POSTGRES_PORT" -U postgres -d postgres -tAc "SELECT datname FROM pg_database WHERE datname = 'ferretdb'" | grep -qx ferretdb; then
    as_pg "$PG_BIN/createdb" -h "$HOST" -p "$POSTGRES_PORT" -U postgres ferretdb || die "postgres: could not create the ferretdb database"
  fi
}

postgres_stop() {
  if ! postgres_running; then
    [[ -f "$P_DATA/PG_VERSION" ]] && log "postgres: not running"
    return 0
  fi
  log "postgres: stopping"
  as_pg "$PG_BIN/pg_ctl" -D "$P_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || warn "postgres: pg_ctl stop failed (log: $P_LOGS/postgres.log)"
  log "postgres: stopped"
}

FERRETDB_STARTED=0
ferretdb_start() {
  local pid
  if pid="$(pid_of "$F_PID" "$F_BIN")"; then
    log "ferretdb: already running (pid $pid)"
    MONGO_PORT="$(cat "$F_PORTFILE" 2>/dev/null || echo "$MONGO_PORT")"
    return 0
  fi
  if tcp_open "$MONGO_PORT"; then
    if probe mongo "$MONGO_PORT" >/dev/null 2>&1; then
      warn "ferretdb: $HOST:$MONGO_PORT already answers as a MongoDB server that infra.sh did not start; using it"
      return 0
    fi
    die "ferretdb: port $HOST:$MONGO_PORT is taken by another program (set RAPPORT_MONGO_PORT)"
  fi
  mkdir -p "$F_DATA" "$F_STATE" "$F_LOGS"
  local backend=(--handler=sqlite --sqlite-url="file:$F_DATA/")
  if [[ $FERRETDB_BACKEND == postgresql ]]; then
    backend=(--handler=postgresql --postgresql-url="postgres://postgres@$HOST:$POSTGRES_PORT/ferretdb")
  fi
  log "ferretdb: starting FerretDB $FERRETDB_VERSION ($FERRETDB_BACKEND backend) on $HOST:$MONGO_PORT"
  touch "$F_HOME/start.stamp"
  (cd "$F_HOME" && exec nohup setsid "$F_BIN" \
    "${backend[@]}" \
    --state-dir="$F_STATE" \
    --listen-addr="$HOST:$MONGO_PORT" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=INFO \
    --log-format=text) \
    >>"$F_LOGS/ferretdb.log" 2>&1 </dev/null 9>&- &
  echo $! >"$F_PID"
  echo "$MONGO_PORT" >"$F_PORTFILE"
  FERRETDB_STARTED=1
}

# ---------------------------------------------------------------- commands

# Serialises up/down/reset. fd 9 holds the lock; the servers are started with 9>&- so
# that they do not inherit it (an inherited fd would hold the lock as long as they run).
# lock SECONDS [soft]: with "soft", go on (with a warning) when the lock is not had in time.
lock() {
  mkdir -p "$LOCAL"
  exec 9>"$LOCAL/.lock"
  command -v flock >/dev/null 2>&1 || return 0
  flock -w "$1" 9 && return 0
  [[ "${2:-}" == soft ]] || die "another infra.sh still holds $LOCAL/.lock after $1 s"
  warn "another infra.sh still holds $LOCAL/.lock after $1 s; going on"
}

cmd_up() {
  local t0 rc=0
  t0="$(now_ms)"
  lock 600
  need "$NODE" "Node.js is needed for the readiness probe"
  # Fetch/build what is missing before starting anything, so that a failed download or
  # build leaves nothing running.
  if ! pid_of "$K_PID" "$K_CONF" >/dev/null; then
    check_java
    kafka_libs
  fi
  pid_of "$F_PID" "$F_BIN" >/dev/null || ferretdb_binary
  if [[ $FERRETDB_BACKEND == postgresql ]]; then postgres_start; fi
  kafka_start
  ferretdb_start
  wait_ready kafka kafka "$KAFKA_PORT" "$([[ $KAFKA_STARTED == 1 ]] && echo "$K_PID")" "$K_CONF" "$K_HOME/start.stamp" "$K_LOGS/kafka.out" "$K_LOGS/server.log" || rc=1
  wait_ready ferretdb mongo "$MONGO_PORT" "$([[ $FERRETDB_STARTED == 1 ]] && echo "$F_PID")" "$F_BIN" "$F_HOME/start.stamp" "$F_LOGS/ferretdb.log" || rc=1
  if ((rc != 0)); then
    warn "infra up failed after $(secs_since "$t0"); 'npm run infra:down' stops what did start"
    exit 1
  fi
  log "ready in $(secs_since "$t0"):"
  log "  RAPPORT_KAFKA_BROKERS=$HOST:$KAFKA_PORT    (Kafka $KAFKA_VERSION, KRaft; logs ${K_LOGS#"$ROOT_DIR/"})"
  log "  RAPPORT_MONGO_URL=mongodb://$HOST:$MONGO_PORT/rapport    (FerretDB $FERRETDB_VERSION, $FERRETDB_BACKEND; logs ${F_LOGS#"$ROOT_DIR/"})"
}

cmd_down() {
  lock 60 soft
  stop_process kafka "$K_PID" "$K_CONF" "${RAPPORT_KAFKA_STOP_TIMEOUT:-60}"
  stop_process ferretdb "$F_PID" "$F_BIN" "${RAPPORT_FERRETDB_STOP_TIMEOUT:-15}"
  postgres_stop
}

# status_one NAME KIND PIDFILE MARKER PORTFILE DEFAULT_PORT LOGFILE -> 0 when it answers
status_one() {
  local name="$1" kind="$2" pidfile="$3" marker="$4" portfile="$5" port="$6" logfile="$7" pid out
  if pid="$(pid_of "$pidfile" "$marker")"; then
    port="$(cat "$portfile" 2>/dev/null || echo "$port")"
    if out="$(probe "$kind" "$port" 2>&1)"; then
      echo "$name: running (pid $pid) on $HOST:$port — $out"
      return 0
    fi
    echo "$name: started (pid $pid) but not answering on $HOST:$port: $out (log: $logfile)"
    return 1
  fi
  if out="$(probe "$kind" "$port" 2>/dev/null)"; then
    echo "$name: not started by infra.sh, but $HOST:$port answers — $out"
    return 0
  fi
  echo "$name: stopped"
  return 1
}

cmd_status() {
  need "$NODE" "Node.js is needed for the probe"
  local rc=0
  status_one kafka kafka "$K_PID" "$K_CONF" "$K_PORTFILE" "$KAFKA_PORT" "$K_LOGS/server.log" || rc=1
  status_one ferretdb mongo "$F_PID" "$F_BIN" "$F_PORTFILE" "$MONGO_PORT" "$F_LOGS/ferretdb.log" || rc=1
  if [[ -f "$P_DATA/PG_VERSION" ]]; then
    if postgres_running; then echo "postgres: running on $HOST:$POSTGRES_PORT (FerretDB's backend unless RAPPORT_FERRETDB_BACKEND=sqlite)"; else echo "postgres: stopped"; fi
  fi
  return "$rc"
}

cmd_reset() {
  cmd_down
  log "deleting Kafka and FerretDB data and logs (the jar and binary caches stay)"
  rm -rf "$K_DATA" "$K_LOGS" "$K_HOME/config" "$K_HOME/start.stamp" "$K_PORTFILE" \
    "$F_DATA" "$F_STATE" "$F_LOGS" "$F_HOME/start.stamp" "$F_PORTFILE" "$LOCAL/build" "$P_HOME"
}

cmd_smoke() {
  need "$NODE" "Node.js is needed"
  RAPPORT_KAFKA_BROKERS="${RAPPORT_KAFKA_BROKERS:-$HOST:$(cat "$K_PORTFILE" 2>/dev/null || echo "$KAFKA_PORT")}" \
    RAPPORT_MONGO_URL="${RAPPORT_MONGO_URL:-mongodb://$HOST:$(cat "$F_PORTFILE" 2>/dev/null || echo "$MONGO_PORT")/rapport_infra_smoke}" \
    "$NODE" "$INFRA_DIR/smoke.js"
}

# kafka-node DIR PORT CONTROLLER_PORT: a broker of the caller's own, in the foreground.
cmd_kafka_node() {
  local dir="${1:?usage: infra.sh kafka-node DIR PORT CONTROLLER_PORT}" port="${2:?PORT}" controller_port="${3:?CONTROLLER_PORT}"
  compgen -G "$K_LIBS/kafka_2.13-*.jar" >/dev/null || die "kafka: no jars in $K_LIBS; run 'npm run infra:up' once to fetch them"
  check_java
  mkdir -p "$dir/logs"
  dir="$(cd "$dir" && pwd)"
  kafka_config "$port" "$controller_port" "$dir/data" "$dir/server.properties"
  kafka_format "$dir/server.properties" "$dir/data" "$dir/logs"
  log "kafka: node on $HOST:$port (controller $controller_port), data in $dir/data"
  cd "$dir" && kafka_exec "$dir/server.properties" "$dir/logs"
}

case "${1:-}" in
  up) cmd_up ;;
  kafka-exec) kafka_exec "$2" "$3" ;;
  kafka-node) cmd_kafka_node "${@:2}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  smoke) cmd_smoke ;;
  *)
    echo "usage: infra/infra.sh up|down|status|reset|smoke|kafka-node DIR PORT CONTROLLER_PORT" >&2
    exit 2
    ;;
esac
