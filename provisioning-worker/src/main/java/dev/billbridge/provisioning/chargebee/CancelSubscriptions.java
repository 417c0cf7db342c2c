package dev.billbridge.provisioning.chargebee;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import com.chargebee.APIException;
import com.chargebee.ListResult;
import com.chargebee.models.Subscription;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import jakarta.enterprise.context.ApplicationScoped;

/** Cancels, immediately, every live Chargebee subscription of a deleted organization's customer. */
@ApplicationScoped
public class CancelSubscriptions {

    /** Statuses that can still bill or become billing; cancelled and transferred are left alone. */
    static final Subscription.Status[] LIVE = {Subscription.Status.FUTURE, Subscription.Status.IN_TRIAL,
            Subscription.Status.ACTIVE, Subscription.Status.NON_RENEWING, Subscription.Status.PAUSED};

    private final ChargebeeGateway gateway;
    private final ChargebeeCalls calls;

    public CancelSubscriptions(ChargebeeGateway gateway, ChargebeeCalls calls) {
        this.gateway = gateway;
        this.calls = calls;
    }

    /**
     * @param idempotencyKey the causing event id; each cancel POST sends {@code <key>:cancel:<subscription id>}
     * @return the ids cancelled by this call (already-cancelled ones are skipped)
     */
    public List<String> cancelAllLive(String customerId, String idempotencyKey) {
        List<String> live = new ArrayList<>();
        String offset = null;
        do {
            Subscription.SubscriptionListRequest list = Subscription.list().customerId().is(customerId)
                    .status().in(LIVE).limit(100);
            if (offset != null) {
                list.offset(offset);
            }
            ListResult page = sdk(() -> list.request(gateway.env()));
            for (ListResult.Entry entry : page) {
                live.add(entry.subscription().id());
            }
            offset = page.nextOffset();
        } while (offset != null);

        List<String> cancelled = new ArrayList<>();
        for (String id : live) {
            Subscription.CancelForItemsRequest cancel = Subscription.cancelForItems(id).endOfTerm(false);
            cancel.setIdempotencyKey(idempotencyKey + ":cancel:" + id);
            try {
                sdk(() -> cancel.request(gateway.env()));
                cancelled.add(id);
            } catch (APIException e) {
                // cancelled between the list and now (by us on an earlier attempt, or by someone else)
                if (!"invalid_state_for_request".equals(e.apiErrorCode)) {
                    throw e;
                }
            }
        }
        return cancelled;
    }

    private <T> T sdk(java.util.concurrent.Callable<T> call) {
        try {
            return calls.call(call);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
