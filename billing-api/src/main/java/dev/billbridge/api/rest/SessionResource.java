package dev.billbridge.api.rest;

import dev.billbridge.api.auth.Caller;
import dev.billbridge.api.auth.CurrentCaller;
import dev.billbridge.api.rest.Dtos.SessionView;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/session")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "session", description = "The caller")
public class SessionResource {

    @Inject
    CurrentCaller current;

    @GET
    @Operation(summary = "The caller's user, organization, roles and permissions, from the verified token")
    @APIResponse(responseCode = "200", description = "The session")
    @APIResponse(responseCode = "401", description = "Missing or invalid access token")
    @APIResponse(responseCode = "403", description = "The token has no organization (oid)")
    public SessionView session() {
        Caller c = current.get();
        return new SessionView(c.userId(), c.organizationId(), c.roles(), c.permissions());
    }
}
