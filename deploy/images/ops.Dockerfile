# The operator tool (module billing-ops: lag, replay, redrive, reconcile, events), run as a
# Kubernetes Job from the template in deploy/base/ops-job.yaml, or by hand:
#   ./mvnw -B -pl billing-ops -am package -DskipTests
#   docker build -f deploy/images/ops.Dockerfile -t billbridge/billing-ops:0.1.0-SNAPSHOT .
#   docker run --rm --env-file .env --network billbridge_default billbridge/billing-ops:0.1.0-SNAPSHOT lag
# Assumes the module's layout is like billbridge-sandbox's: target/billing-ops.jar plus target/lib/.
# (Without Docker: deploy/images/build-jar-images.sh.)
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY billing-ops/target/lib/ /app/lib/
COPY billing-ops/target/billing-ops.jar /app/billing-ops.jar
USER 185
# The class path is spelled out, so the image does not depend on the jar's manifest
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/app/billing-ops.jar:/app/lib/*", "dev.billbridge.ops.OpsMain"]
CMD ["--help"]
