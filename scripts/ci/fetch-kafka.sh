#!/usr/bin/env bash
# Fetch the Apache Kafka broker (org.apache.kafka:kafka_2.13) and its runtime
# dependencies from Maven Central into a cache directory, with Maven.
#
# Usage: scripts/ci/fetch-kafka.sh [CACHE_DIR]
#   CACHE_DIR defaults to $DISTILLWATCH_KAFKA_CACHE or <repo>/.cache/kafka.
#   KAFKA_VERSION overrides the broker version (default 3.9.1).
#
# On success writes CACHE_DIR/classpath.txt (the java -cp value) and removes
# CACHE_DIR/UNAVAILABLE. When Maven Central cannot be reached (or Maven/Java
# are missing) it prints "Apache Kafka unavailable: <why>", writes the reason to
# CACHE_DIR/UNAVAILABLE and exits 0, so CI falls back to the embedded broker.
# A second run reuses the cache and works offline.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${1:-${DISTILLWATCH_KAFKA_CACHE:-$repo_root/.cache/kafka}}"
version="${KAFKA_VERSION:-3.9.1}"
libs="$cache/$version/libs"
mkdir -p "$cache"

unavailable() {
  echo "Apache Kafka unavailable: $1"
  printf '%s\n' "$1" > "$cache/UNAVAILABLE"
  exit 0
}

if [[ -s "$cache/classpath.txt" && -f "$cache/$version/.complete" ]]; then
  rm -f "$cache/UNAVAILABLE"
  echo "Apache Kafka $version already fetched: $libs"
  exit 0
fi

command -v java >/dev/null 2>&1 || unavailable "java not found on PATH"
command -v mvn >/dev/null 2>&1 || unavailable "mvn (Maven) not found on PATH"

mkdir -p "$cache/$version"
# A tiny generated pom: its only job is to make Maven resolve the broker's
# runtime classpath. slf4j-reload4j gives the broker a logging backend.
cat > "$cache/$version/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>distillwatch.ci</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
POM

# Maven's own repository stays inside the cache too, so nothing lands in ~/.m2.
mvn_log="$cache/$version/mvn.log"
if ! mvn -B -q -f "$cache/$version/pom.xml" \
    -Dmaven.repo.local="$cache/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" \
    >"$mvn_log" 2>&1; then
  why="$(grep -m1 -E 'Could not|Unknown host|UnknownHost|Connection|resolve' "$mvn_log" || tail -n1 "$mvn_log")"
  unavailable "Maven could not fetch kafka_2.13:$version from Maven Central (${why:0:300})"
fi

ls "$libs"/kafka_2.13-*.jar >/dev/null 2>&1 || unavailable "kafka_2.13 jar missing after the Maven run"
(cd "$libs" && ls -1 ./*.jar | sed "s|^\./|$libs/|" | paste -sd: -) > "$cache/classpath.txt"
touch "$cache/$version/.complete"
rm -f "$cache/UNAVAILABLE"
echo "Apache Kafka $version fetched: $(ls "$libs" | wc -l) jars in $libs"
