# shellcheck shell=bash
# Sourced by scripts/resnet: Spark is a provided dependency, so the jar runs under spark-submit with
# the cluster's Spark, and scripts/resnet puts the project's Spark on the classpath when --spark is given.
#
#   resnet_wants_spark ARG...    succeeds when the command line has --spark
#   spark_classpath ROOT         prints Spark's jars as a classpath; Maven resolves them once (from Maven
#                                Central, or offline from ~/.m2) into target/spark-classpath.txt

resnet_wants_spark() {
  local a
  for a in "$@"; do
    case "$a" in
      --spark|--spark=*) return 0 ;;
    esac
  done
  return 1
}

spark_classpath() {
  local root="$1"
  local file="$root/target/spark-classpath.txt"
  if [ ! -s "$file" ] || [ "$root/pom.xml" -nt "$file" ]; then
    echo "resolving Spark's jars into $file ..." >&2
    # The provided scope also holds tornado-api when the tornadovm profile is active: not Spark's. Spark's
    # log4j binding is left out so that Spark logs through the jar's slf4j-simple, at its levels.
    maven -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -DincludeScope=provided \
      -DexcludeGroupIds=io.github.beehive-lab -DexcludeArtifactIds=log4j-slf4j2-impl \
      -Dmdep.outputFile="$file" >&2
  fi
  echo "$(<"$file")"
}
