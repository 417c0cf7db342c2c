package dev.billbridge.api.billing;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import dev.billbridge.api.config.BillingApiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * URLs that come from the caller. Only same-origin relative paths are accepted, and every absolute
 * URL is built from {@code APP_URL}: an attacker must never be able to make this service, or
 * Chargebee on its behalf, send a browser to another origin.
 *
 * <p>Browsers are lenient: {@code //evil}, {@code /\evil}, {@code \\evil}, a tab or newline inside the
 * slashes, or any of them percent-encoded (once or several times) all reach another host. So a path
 * is accepted only if it, and every percent-decoding of it, is a plain {@code /segment...} path.
 */
@ApplicationScoped
public class SafeUrls {

    private static final int MAX_LENGTH = 2048;

    private final String appUrl;
    private final List<String> allowlist;
    private final String defaultPath;

    @Inject
    public SafeUrls(BillingApiConfig config) {
        this(config.appUrl(), config.redirect().allowlist(), config.redirect().defaultPath());
    }

    public SafeUrls(String appUrl, List<String> allowlist, String defaultPath) {
        String a = appUrl.trim();
        this.appUrl = a.endsWith("/") ? a.substring(0, a.length() - 1) : a;
        this.allowlist = allowlist.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        this.defaultPath = relativePath(defaultPath)
                .orElseThrow(() -> new IllegalArgumentException("billing.redirect.default must be a relative path"));
    }

    /** The path if it is a safe same-origin relative path (with optional query and fragment). */
    public static Optional<String> relativePath(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        String s = candidate;
        for (int round = 0; round < 4; round++) {
            if (!plainPath(s)) {
                return Optional.empty();
            }
            String decoded;
            try {
                decoded = URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty(); // broken escapes: not something we will hand to a browser
            }
            if (decoded.equals(s)) {
                return Optional.of(candidate);
            }
            s = decoded;
        }
        return Optional.empty(); // still decoding after four rounds: deliberately obfuscated
    }

    private static boolean plainPath(String s) {
        if (s.isEmpty() || s.charAt(0) != '/') {
            return false;
        }
        if (s.length() > 1 && (s.charAt(1) == '/' || s.charAt(1) == '\\')) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c < 0x21 || c == 0x7f) {
                return false; // backslashes and whitespace/control characters are normalised away by browsers
            }
        }
        try {
            URI u = new URI(s);
            return u.getScheme() == null && u.getRawAuthority() == null && u.getRawPath() != null
                    && u.getRawPath().startsWith("/") && !hasDotSegment(u.getPath());
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean hasDotSegment(String path) {
        for (String seg : path.split("/", -1)) {
            if (seg.equals("..") || seg.equals(".")) {
                return true;
            }
        }
        return false;
    }

    /** Where the success route may send the browser: an allowlisted relative path, else the default. */
    public String callbackOrDefault(String callback) {
        return relativePath(callback).filter(this::allowlisted).orElse(defaultPath);
    }

    boolean allowlisted(String path) {
        String p = URI.create(path).getPath();
        for (String prefix : allowlist) {
            String base = prefix.endsWith("/") && prefix.length() > 1 ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (p.equals(base) || p.startsWith(base.endsWith("/") ? base : base + "/")) {
                return true;
            }
        }
        return false;
    }

    /** APP_URL + a path already checked with {@link #relativePath}. */
    public String absolute(String relativePath) {
        return appUrl + relativePath;
    }

    public String defaultPath() {
        return defaultPath;
    }
}
