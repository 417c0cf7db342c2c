package dev.billbridge.api.auth;

import java.util.Optional;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;

/** The default hook: no extra rules. Any other {@link AuthorizationHook} bean replaces it. */
@DefaultBean
@ApplicationScoped
public class AllowAllAuthorizationHook implements AuthorizationHook {

    @Override
    public Optional<String> deny(Caller caller, String referenceId, BillingAction action) {
        return Optional.empty();
    }
}
