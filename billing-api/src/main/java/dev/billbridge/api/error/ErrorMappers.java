package dev.billbridge.api.error;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.persistence.PersistenceException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every failure becomes {@code {error, message}}; nothing internal (stack traces, SQL, Chargebee text) leaks. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder b = Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(e.error(), e.getMessage()));
        if (e.retryAfter() != null) {
            b.header("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
        }
        return b.build();
    }

    @ServerExceptionMapper({AuthenticationFailedException.class, UnauthorizedException.class})
    public Response unauthorized(Exception e) {
        // the reason (expired, bad signature, unknown kid) stays in the debug log: it helps attackers more than users
        LOG.debugf("authentication failed: %s", e.getMessage());
        return Response.status(401).type(MediaType.APPLICATION_JSON_TYPE).header("WWW-Authenticate", "Bearer")
                .entity(new ApiError("unauthorized", "A valid Scalekit access token is required")).build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Response.status(403).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError("forbidden", "Not allowed")).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
            return internal();
        }
        Response.Status.Family family = Response.Status.Family.familyOf(status);
        String message = family == Response.Status.Family.CLIENT_ERROR
                ? Response.Status.fromStatusCode(status) != null ? Response.Status.fromStatusCode(status).getReasonPhrase() : "Client error"
                : "Error";
        String code = switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 415 -> "unsupported_media_type";
            default -> "http_" + status;
        };
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(code, message)).build();
    }

    @ServerExceptionMapper
    public Response badJson(com.fasterxml.jackson.core.JsonProcessingException e) {
        return Response.status(400).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError("bad_request", "The request body is not valid JSON of the expected shape.")).build();
    }

    @ServerExceptionMapper
    public Response persistence(PersistenceException e) {
        LOG.error("database failure", e);
        return Response.status(503).type(MediaType.APPLICATION_JSON_TYPE).header("Retry-After", 5)
                .entity(new ApiError("database_unavailable", "Billing data is unavailable; retry later.")).build();
    }

    @ServerExceptionMapper
    public Response any(Throwable e) {
        LOG.error("request failed", e);
        return internal();
    }

    private static Response internal() {
        return Response.status(500).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError("internal_error", "Something went wrong; retry later.")).build();
    }
}
