package dev.billbridge.sandbox.chargebee;

import com.sun.net.httpserver.HttpExchange;
import dev.billbridge.sandbox.support.Http;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static dev.billbridge.sandbox.support.Http.html;

/** The browser-facing pages: the hosted checkout (with its Pay button) and a minimal self-serve portal. */
final class Pages {
    private Pages() {
    }

    private static final String STYLE = "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto}"
            + "button{font-size:1.2em;padding:.4em 1.5em}li{margin:.3em 0}</style>";

    static void hostedPage(HttpExchange ex, SiteState state, String rest) throws IOException {
        String method = ex.getRequestMethod();
        try {
            if (rest.endsWith("/pay") && method.equals("POST")) {
                String id = rest.substring(0, rest.length() - "/pay".length());
                String redirect = state.completeCheckout(id);
                if (redirect != null) {
                    Http.redirect(ex, redirect);
                } else {
                    page(ex, 200, "Payment successful", "<p>Payment successful. You can close this page.</p>");
                }
                return;
            }
            if (method.equals("GET") && !rest.contains("/")) {
                Map<String, Object> v = state.pageView(rest);
                StringBuilder b = new StringBuilder("<h1>Checkout</h1>");
                if (!((String) v.get("customer")).isEmpty()) {
                    b.append("<p>Customer: <code>").append(html((String) v.get("customer"))).append("</code></p>");
                }
                b.append("<ul>");
                for (Object line : (List<?>) v.get("lines")) {
                    b.append("<li>").append(html((String) line)).append("</li>");
                }
                b.append("</ul><p>Total per period: <b>").append(html((String) v.get("total"))).append("</b></p>");
                if ("created".equals(v.get("state"))) {
                    b.append("<form method=\"post\" action=\"/pages/").append(html(rest)).append("/pay\">")
                            .append("<p>Card: 4111 1111 1111 1111 (simulated)</p>")
                            .append("<button type=\"submit\" id=\"pay\">Pay</button></form>");
                    if (v.get("cancel_url") != null) {
                        b.append("<p><a href=\"").append(html((String) v.get("cancel_url"))).append("\">Cancel</a></p>");
                    }
                } else {
                    b.append("<p>This checkout is <b>").append(html((String) v.get("state"))).append("</b>.</p>");
                }
                page(ex, 200, "Checkout", b.toString());
                return;
            }
            page(ex, 404, "Not found", "<p>No such page.</p>");
        } catch (ApiError e) {
            page(ex, e.status, "Checkout error", "<p>" + html(e.getMessage()) + "</p>");
        }
    }

    static void portal(HttpExchange ex, SiteState state, String rest) throws IOException {
        String[] seg = rest.split("/");
        String token = seg[0];
        try {
            // POST /portal/{token}/subscriptions/{id}/cancel schedules an end-of-term cancellation
            if (ex.getRequestMethod().equals("POST") && seg.length == 4 && seg[1].equals("subscriptions")
                    && seg[3].equals("cancel")) {
                String customer = state.customerOfPortal(token);
                if (customer == null || !state.ownsSubscription(customer, seg[2])) {
                    page(ex, 404, "Not found", "<p>No such subscription.</p>");
                    return;
                }
                state.cancelForItems(seg[2], Map.of("end_of_term", "true"));
                Http.redirect(ex, "/portal/" + token);
                return;
            }
            Map<String, Object> v = seg.length == 1 ? state.portalView(token) : null;
            if (v == null) {
                page(ex, 404, "Portal", "<p>This portal session is unknown or has ended.</p>");
                return;
            }
            StringBuilder b = new StringBuilder("<h1>Billing portal</h1><p>Customer <code>")
                    .append(html((String) v.get("customer_id"))).append("</code></p><ul>");
            for (Object o : (List<?>) v.get("subscriptions")) {
                String[] row = (String[]) o;
                b.append("<li><code>").append(html(row[0])).append("</code> ").append(html(row[1])).append(" — ")
                        .append(html(row[2]));
                if (row[2].equals("active") || row[2].equals("in_trial")) {
                    b.append(" <form style=\"display:inline\" method=\"post\" action=\"/portal/").append(html(token))
                            .append("/subscriptions/").append(html(row[0]))
                            .append("/cancel\"><button>Cancel at end of term</button></form>");
                }
                b.append("</li>");
            }
            b.append("</ul>");
            if (v.get("redirect_url") != null) {
                b.append("<p><a href=\"").append(html((String) v.get("redirect_url"))).append("\">Back</a></p>");
            }
            page(ex, 200, "Billing portal", b.toString());
        } catch (ApiError e) {
            page(ex, e.status, "Portal error", "<p>" + html(e.getMessage()) + "</p>");
        }
    }

    private static void page(HttpExchange ex, int status, String title, String body) throws IOException {
        Http.send(ex, status, "text/html;charset=utf-8", "<!doctype html><html><head><meta charset=\"utf-8\"><title>"
                + html(title) + " — Chargebee simulator</title>" + STYLE + "</head><body>" + body
                + "<hr><small>billbridge sandbox: simulated Chargebee, no real payment</small></body></html>");
    }
}
