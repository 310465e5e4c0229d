# Sourced by bin/outflow and .ci/run: sets JAVA_HOME to a JDK >= 21 or explains why it cannot.
# Order: $JAVA_HOME if new enough, then the newest JDK under /usr/lib/jvm.

outflow_java_major() { # prints the major version of the JDK at $1, or nothing
  local rel="$1/release" v
  if [ -f "$rel" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  elif [ -x "$1/bin/java" ]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  fi
  [ "$v" = "1" ] && v=8
  echo "$v"
}

outflow_find_jdk() {
  local min=21 best="" bestv=0 d v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(outflow_java_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then return 0; fi
    echo "note: JAVA_HOME=$JAVA_HOME is Java ${v:-unknown}; Outflow needs >= $min, searching /usr/lib/jvm" >&2
  fi
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/javac" ] || continue
    v=$(outflow_java_major "$d")
    if [ -n "$v" ] && [ "$v" -ge "$min" ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  if [ -z "$best" ]; then
    echo "error: no JDK >= $min found (JAVA_HOME unset or too old, nothing suitable in /usr/lib/jvm)." >&2
    echo "       Install one (e.g. apt-get install openjdk-21-jdk, or Temurin 21/25) or set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

# JVM flags that only newer JDKs know (Kafka still uses sun.misc.Unsafe; JDK 24+ warns at start).
outflow_jvm_flags() {
  local v
  v=$(outflow_java_major "$JAVA_HOME")
  if [ -n "$v" ] && [ "$v" -ge 24 ]; then echo "--sun-misc-unsafe-memory-access=allow"; fi
}
