# Sourced by the project's scripts: picks the newest JDK >= 17 it can find and exports JAVA_HOME.
# Order: $JAVA_HOME if it is >= 17 and no newer JDK is under /usr/lib/jvm, then the newest under
# /usr/lib/jvm (25's Vector API is faster than 17's), then the java on PATH.

jdk_feature_version() {  # prints the major version of the JDK at $1, or 0
  local release="$1/release"
  if [ -r "$release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
  elif [ -x "$1/bin/java" ]; then
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  else
    echo 0
  fi
}

pick_jdk() {
  local best="" best_version=0 candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(jdk_feature_version "$candidate")
    version=${version:-0}
    if [ "$version" -gt "$best_version" ]; then
      best="$candidate"
      best_version="$version"
    fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
    best=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    best_version=$(jdk_feature_version "$best")
  fi
  if [ -z "$best" ] || [ "${best_version:-0}" -lt 17 ]; then
    echo "tornado-resnet needs a JDK 17 or newer (javac); none found in JAVA_HOME, /usr/lib/jvm or PATH." >&2
    echo "On Debian: apt-get install openjdk-17-jdk-headless" >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
}

# Maven: the system's mvn, else the wrapper (which fetches Maven from Maven Central), on the project's
# pom, or on another one given first as --pom FILE (Maven heeds only the first -f).
maven() {
  local root pom
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  pom="$root/pom.xml"
  if [ "${1:-}" = "--pom" ]; then
    pom=$2
    shift 2
  fi
  if command -v mvn >/dev/null 2>&1; then
    mvn -f "$pom" "$@"
  else
    "$root/mvnw" -f "$pom" "$@"
  fi
}
