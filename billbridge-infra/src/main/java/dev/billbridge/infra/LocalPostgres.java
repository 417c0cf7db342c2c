package dev.billbridge.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** A real PostgreSQL server from the zonky binaries; data survives restarts when the directory does. */
final class LocalPostgres {

    private final Path dir;
    private final int port;
    private final String database;
    private final String user;
    private final String password;
    private EmbeddedPostgres server;

    LocalPostgres(Path dir, int port, String database, String user, String password) {
        this.dir = dir;
        this.port = FreePort.resolve(port);
        this.database = database;
        this.user = user;
        this.password = password;
    }

    int port() {
        return port;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    synchronized void start() throws IOException, SQLException {
        if (server != null) {
            return;
        }
        Files.createDirectories(dir);
        server = EmbeddedPostgres.builder()
                .setDataDirectory(dir.resolve("data"))
                .setCleanDataDirectory(false)
                .setPort(port)
                .setOverrideWorkingDirectory(dir.resolve("bin").toFile())
                .setServerConfig("max_connections", "200")
                // A local and test database: durability across power loss is not worth the fsyncs
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
        bootstrap();
    }

    synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            System.err.println(InfraMain.PREFIX + "postgres stop: " + e.getMessage());
        } finally {
            server = null;
        }
    }

    private void bootstrap() throws SQLException {
        String admin = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection c = DriverManager.getConnection(admin, "postgres", "postgres")) {
            if (!exists(c, "select 1 from pg_roles where rolname = ?", user)) {
                try (Statement s = c.createStatement()) {
                    s.execute("create role " + ident(user) + " login password '" + password.replace("'", "''") + "'");
                }
            }
            if (!exists(c, "select 1 from pg_database where datname = ?", database)) {
                try (Statement s = c.createStatement()) {
                    s.execute("create database " + ident(database) + " owner " + ident(user));
                }
            }
        }
    }

    private static boolean exists(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String ident(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain SQL identifier: " + name);
        }
        return name;
    }
}
