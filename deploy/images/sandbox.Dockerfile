# The Chargebee and Scalekit simulators (module billbridge-sandbox) for docker compose's sandbox
# profile and the dev overlay. Development only: never deploy it to production.
# Build the jar first, then the image from the repository root:
#   ./mvnw -B -pl billbridge-sandbox -am package -DskipTests
#   docker build -f deploy/images/sandbox.Dockerfile -t billbridge/billbridge-sandbox:0.1.0-SNAPSHOT .
# (Without Docker: deploy/images/build-jar-images.sh writes the same image as a tarball with Jib.)
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY billbridge-sandbox/target/lib/ /app/lib/
COPY billbridge-sandbox/target/billbridge-sandbox.jar /app/billbridge-sandbox.jar
USER 185
EXPOSE 8089 8090
# Subcommand and flags come from the container's command: chargebee|scalekit|token ...
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/billbridge-sandbox.jar"]
CMD ["--help"]
