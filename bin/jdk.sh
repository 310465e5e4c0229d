# Finds a JDK >= 21 and exports JAVA_HOME. Sourced by bin/outflow and ./mvnw (POSIX sh: no bashisms).
# Order: $JAVA_HOME if new enough, then the javac on PATH, then the newest JDK in the usual places
# (/usr/lib/jvm, /usr/local/lib/jvm, /opt, SDKMAN, macOS). Where none exists it prints one line
# saying what to install and returns 1.

outflow_java_major() { # prints the major version of the JDK at $1, or nothing
  _ofj_v=""
  if [ -f "$1/release" ]; then
    _ofj_v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  elif [ -x "$1/bin/java" ]; then
    _ofj_v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  fi
  [ "$_ofj_v" = "1" ] && _ofj_v=8
  echo "$_ofj_v"
}

outflow_find_jdk() {
  _ofj_min=21 _ofj_best="" _ofj_bestv=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    _ofj_cv=$(outflow_java_major "$JAVA_HOME")
    if [ -n "$_ofj_cv" ] && [ "$_ofj_cv" -ge "$_ofj_min" ]; then return 0; fi
    echo "note: JAVA_HOME=$JAVA_HOME is Java ${_ofj_cv:-unknown}; Outflow needs >= $_ofj_min, looking for another JDK" >&2
  fi
  _ofj_path=""
  if command -v javac >/dev/null 2>&1; then
    _ofj_path=$(readlink -f "$(command -v javac)" 2>/dev/null || true)
    [ -n "$_ofj_path" ] && _ofj_path=$(dirname "$(dirname "$_ofj_path")")
  fi
  # The globs must expand even when the caller runs with `set -f` (./mvnw does).
  case $- in *f*) _ofj_noglob=1; set +f ;; *) _ofj_noglob=0 ;; esac
  for _ofj_d in $_ofj_path /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* \
      "${HOME:-/nonexistent}"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$_ofj_d/bin/javac" ] || continue
    _ofj_cv=$(outflow_java_major "$_ofj_d")
    if [ -n "$_ofj_cv" ] && [ "$_ofj_cv" -ge "$_ofj_min" ] && [ "$_ofj_cv" -gt "$_ofj_bestv" ]; then
      _ofj_best=$_ofj_d _ofj_bestv=$_ofj_cv
    fi
  done
  [ "$_ofj_noglob" = 1 ] && set -f
  if [ -z "$_ofj_best" ]; then
    echo "error: Outflow needs a JDK >= $_ofj_min and none was found (JAVA_HOME, PATH, /usr/lib/jvm, /opt, SDKMAN); install one, e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+, or set JAVA_HOME to it" >&2
    return 1
  fi
  JAVA_HOME="$_ofj_best"
  export JAVA_HOME
}

# JVM flags that only newer JDKs know (Kafka still uses sun.misc.Unsafe; JDK 24+ warns at start).
outflow_jvm_flags() {
  _ofj_cv=$(outflow_java_major "$JAVA_HOME")
  if [ -n "$_ofj_cv" ] && [ "$_ofj_cv" -ge 24 ]; then echo "--sun-misc-unsafe-memory-access=allow"; fi
}
