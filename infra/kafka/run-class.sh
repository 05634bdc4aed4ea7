#!/usr/bin/env bash
# Runs a Kafka command-line tool with the jars infra/infra.sh fetched into
# infra/.local/kafka/libs (run `npm run infra:up` once first). Short names:
#   topics            org.apache.kafka.tools.TopicCommand
#   console-producer  kafka.tools.ConsoleProducer
#   console-consumer  org.apache.kafka.tools.consumer.ConsoleConsumer
#   consumer-groups   org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
#   transactions      org.apache.kafka.tools.TransactionsCommand
#   metadata-quorum   org.apache.kafka.tools.MetadataQuorumCommand
#   get-offsets       org.apache.kafka.tools.GetOffsetShell
#   dump-log          kafka.tools.DumpLogSegments
# or any fully qualified class name. Example:
#   infra/kafka/run-class.sh topics --bootstrap-server 127.0.0.1:9092 --list
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIBS="$DIR/../.local/kafka/libs"
compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null || {
  echo "no Kafka jars in $LIBS: run 'npm run infra:up' first" >&2
  exit 1
}
[[ $# -ge 1 ]] || {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
class="$1"
shift
case "$class" in
  topics) class=org.apache.kafka.tools.TopicCommand ;;
  console-producer) class=kafka.tools.ConsoleProducer ;;
  console-consumer) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  transactions) class=org.apache.kafka.tools.TransactionsCommand ;;
  metadata-quorum) class=org.apache.kafka.tools.MetadataQuorumCommand ;;
  get-offsets) class=org.apache.kafka.tools.GetOffsetShell ;;
  dump-log) class=kafka.tools.DumpLogSegments ;;
esac
exec "${JAVA:-java}" -Xmx256m -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$DIR/tools-log4j.properties" \
  -cp "$LIBS/*" "$class" "$@"
