package dev.billbridge.sync.consume;

import java.sql.Connection;
import java.sql.SQLException;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Tells a database outage (wait and retry) from a record that cannot be applied (dead-letter it). */
@ApplicationScoped
public class DatabaseProbe {

    @Inject
    AgroalDataSource dataSource;

    public boolean isUp() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }
}
