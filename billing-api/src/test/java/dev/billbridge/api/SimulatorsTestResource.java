package dev.billbridge.api;

import java.util.HashMap;
import java.util.Map;

import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.sandbox.scalekit.ScalekitSimulator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts the Chargebee and Scalekit simulators (once per test JVM, on free ports) and points the
 * application at them: tokens are verified against the simulator's served JWKS, and every Chargebee
 * call goes to the simulator. Every test class uses this together with InfraTestResource.
 */
public class SimulatorsTestResource implements QuarkusTestResourceLifecycleManager {

    /** The frontend origin the app builds absolute URLs from; nothing listens there. */
    public static final String APP_URL = "http://app.billbridge.test";

    public static final String PLANS = """
            [{"itemPriceId":"pro-USD-monthly","name":"Pro","trialDays":0,"limits":{"seats":25,"projects":100}},
             {"itemPriceId":"pro-USD-yearly","name":"Pro (yearly)","limits":{"seats":25}},
             {"itemPriceId":"starter-USD-monthly","name":"Starter","trialDays":14,"limits":{"seats":5,"projects":3}}]
            """;

    private static ChargebeeSimulator chargebee;
    private static ScalekitSimulator scalekit;

    public static synchronized ChargebeeSimulator chargebee() {
        if (chargebee == null) {
            chargebee = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
        }
        return chargebee;
    }

    public static synchronized ScalekitSimulator scalekit() {
        if (scalekit == null) {
            scalekit = ScalekitSimulator.start();
        }
        return scalekit;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> c = new HashMap<>();
        c.put("scalekit.env-url", scalekit().envUrl());
        c.put("mp.jwt.verify.audiences", scalekit().clientId());
        c.put("chargebee.api-base-url", chargebee().apiBaseUrl());
        c.put("chargebee.site", chargebee().site());
        c.put("chargebee.api-key", chargebee().apiKey());
        c.put("billing.app-url", APP_URL);
        c.put("billing.plans", PLANS.replace("\n", " "));
        c.put("billing.default-plan-item-price-id", "pro-USD-monthly");
        return c;
    }

    @Override
    public void stop() {
        // the simulators live for the test JVM: Quarkus may restart between classes, the simulators need not
    }
}
