#!/usr/bin/env bash
# Daemonless image tarballs for the two plain-jar tools, with Jib's Maven plugin (no Dockerfile, no
# Docker): billbridge-sandbox (the simulators) and, once it exists, billing-ops (the ops tool).
#   deploy/images/build-jar-images.sh [BASE]
# BASE is a Jib base image reference; default: eclipse-temurin:17-jre from Docker Hub. Offline, pass
# tar://<abs path> of the base from deploy/images/jre-base/build.sh. Writes
# <module>/target/<module>-image.tar, loadable with `docker load -i`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="${1:-eclipse-temurin:17-jre}"
JIB=com.google.cloud.tools:jib-maven-plugin:3.4.6:buildTar
VERSION="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)"
cd "$ROOT"

build() { # module main-class
  local module="$1" main="$2"
  # -am builds what the module needs; jib.containerize makes Jib image only this module
  ./mvnw -B -pl "$module" -am package -DskipTests "$JIB" \
    -Djib.containerize="dev.billbridge:$module" \
    -Djib.from.image="$BASE" \
    -Djib.to.image="billbridge/$module:$VERSION" \
    -Djib.container.mainClass="$main" \
    -Djib.container.user=185 \
    -Djib.container.jvmFlags=-XX:MaxRAMPercentage=75 \
    -Djib.outputPaths.tar="target/$module-image.tar"
  echo "build-jar-images: $module/target/$module-image.tar"
}

build billbridge-sandbox dev.billbridge.sandbox.SandboxMain
if [[ -f billing-ops/pom.xml ]]; then
  build billing-ops dev.billbridge.ops.OpsMain
else
  echo "build-jar-images: no billing-ops module yet: skipped"
fi
