package dev.billbridge.sync.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.chargebee.org.json.JSONArray;
import com.chargebee.org.json.JSONObject;
import org.junit.jupiter.api.Test;

/** The streaming parser must build exactly what org.json's own parser builds: the rule reads these objects. */
class ChargebeeEventTest {

    private static final String BODY = """
            {"id":"ev_1","event_type":"subscription_changed","api_version":"v2","occurred_at":1795490000,
             "content":{"subscription":{"id":"sub_1","resource_version":1795490000123,"quantity":5,
               "big":123456789012345678901234567890,"zero":0,"minus":-7,"negzero":-0,"ratio":1.5,
               "exp":2e3,"deleted":false,"auto":true,"note":null,"meta_data":{"organizationId":"org_1"},
               "subscription_items":[{"item_price_id":"pro","quantity":2147483647,"amount":2147483648},
                 [1,"two",null,true]],"text":"line\\nnext \\u00e9"}}}""";

    @Test
    void buildsTheSameObjectsAsOrgJsonWithTheSameScalarTypes() throws Exception {
        JSONObject streamed = ChargebeeEvent.readObject(BODY);
        JSONObject reference = new JSONObject(BODY);
        assertTrue(streamed.similar(reference), streamed + " vs " + reference);

        JSONObject s = streamed.getJSONObject("content").getJSONObject("subscription");
        JSONObject r = reference.getJSONObject("content").getJSONObject("subscription");
        for (String key : r.keySet()) {
            Object expected = r.get(key);
            assertEquals(expected.getClass(), s.get(key).getClass(), key);
            if (!(expected instanceof JSONObject) && !(expected instanceof JSONArray)) {
                assertEquals(expected, s.get(key), key);
            }
        }
        JSONArray items = s.getJSONArray("subscription_items");
        JSONArray refItems = r.getJSONArray("subscription_items");
        JSONObject item = items.getJSONObject(0);
        assertEquals(refItems.getJSONObject(0).get("quantity").getClass(), item.get("quantity").getClass());
        assertEquals(refItems.getJSONObject(0).get("amount").getClass(), item.get("amount").getClass());
        assertEquals(Long.class, item.get("amount").getClass(), "2^31 does not fit an Integer");
        assertEquals(JSONObject.NULL, items.getJSONArray(1).get(2));
    }

    @Test
    void rejectsWhatOrgJsonRejects() {
        assertThrows(Exception.class, () -> ChargebeeEvent.readObject("{\"id\":1,\"id\":2}"), "repeated key");
        assertThrows(Exception.class, () -> ChargebeeEvent.readObject("[1,2]"), "not an object");
        assertThrows(ChargebeeEvent.Malformed.class, () -> ChargebeeEvent.parse("{\"id\":\"ev\""));
    }
}
