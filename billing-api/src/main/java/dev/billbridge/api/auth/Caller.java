package dev.billbridge.api.auth;

import java.util.Set;

/**
 * The authenticated user and the organization their token is scoped to (the {@code oid} claim).
 */
public record Caller(String userId, String organizationId, Set<String> roles, Set<String> permissions) {
}
