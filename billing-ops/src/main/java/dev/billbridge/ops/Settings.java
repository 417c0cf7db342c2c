package dev.billbridge.ops;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import com.chargebee.Environment;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Option;

/**
 * The services' configuration, read from the same environment variables; each may be overridden by an
 * option. Defaults match the services' application.properties.
 */
public class Settings {

    @Option(names = "--kafka-bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS; default: ${DEFAULT-VALUE}).")
    String kafkaBootstrapServers;

    @Option(names = "--database-jdbc-url", paramLabel = "URL",
            defaultValue = "${env:DATABASE_JDBC_URL:-jdbc:postgresql://127.0.0.1:5432/billbridge}",
            description = "JDBC URL of the billbridge database (env DATABASE_JDBC_URL; default: ${DEFAULT-VALUE}).")
    String jdbcUrl;

    @Option(names = "--database-username", paramLabel = "USER", defaultValue = "${env:DATABASE_USERNAME:-billbridge}",
            description = "Database user (env DATABASE_USERNAME; default: ${DEFAULT-VALUE}).")
    String dbUsername;

    @Option(names = "--database-password", paramLabel = "PASSWORD", defaultValue = "${env:DATABASE_PASSWORD:-billbridge}",
            description = "Database password (env DATABASE_PASSWORD).", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
    String dbPassword;

    @Option(names = "--chargebee-site", paramLabel = "SITE", defaultValue = "${env:CHARGEBEE_SITE}",
            description = "Chargebee site (env CHARGEBEE_SITE).")
    String chargebeeSite;

    @Option(names = "--chargebee-api-key", paramLabel = "KEY", defaultValue = "${env:CHARGEBEE_API_KEY}",
            description = "Chargebee API key (env CHARGEBEE_API_KEY).", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
    String chargebeeApiKey;

    @Option(names = "--chargebee-api-base-url", paramLabel = "URL", defaultValue = "${env:CHARGEBEE_API_BASE_URL}",
            description = "Chargebee API root including /api/v2 (env CHARGEBEE_API_BASE_URL; blank: the site's).")
    String chargebeeApiBaseUrl;

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "billbridge-ops-admin");
        // an unreachable broker is a failure within seconds, not a hang
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8_000);
        return Admin.create(p);
    }

    /** A group-less consumer: the tool reads by assignment and never commits, so it joins no group. */
    KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "billbridge-ops-reader");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Like the ingress's producer: acks=all with idempotence, so an acknowledged send is durable. */
    KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "billbridge-ops-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    Connection database() {
        try {
            Properties p = new Properties();
            p.setProperty("user", dbUsername);
            p.setProperty("password", dbPassword == null ? "" : dbPassword);
            p.setProperty("connectTimeout", "10");
            p.setProperty("ApplicationName", "billbridge-ops");
            return DriverManager.getConnection(jdbcUrl, p);
        } catch (SQLException e) {
            throw new OpsException("cannot connect to the database at " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    Environment chargebee() {
        try {
            return ChargebeeGateway.environment(chargebeeSite, chargebeeApiKey, chargebeeApiBaseUrl);
        } catch (IllegalArgumentException e) {
            throw new OpsException(e.getMessage() + " (or pass --chargebee-site/--chargebee-api-key)");
        }
    }
}
