package dev.billbridge.provisioning.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.billbridge.core.events.CustomerCreated;
import dev.billbridge.core.events.OrganizationDeleted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Product code's view of the worker: the cookbook's onCustomerCreate hook, recorded. */
@ApplicationScoped
public class RecordingObserver {

    public static final List<CustomerCreated> CREATED = new CopyOnWriteArrayList<>();
    public static final List<OrganizationDeleted> DELETED = new CopyOnWriteArrayList<>();

    void onCustomerCreate(@Observes CustomerCreated e) {
        CREATED.add(e);
    }

    void onOrganizationDeleted(@Observes OrganizationDeleted e) {
        DELETED.add(e);
    }
}
