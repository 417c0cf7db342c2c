-- The cookbook's schema, kept under its names so its readers recognise it.
-- Times are timestamptz; money is integer minor units (cents).

create table organization (
    id                    text primary key,             -- the Scalekit organization id, also the billing reference
    display_name          text,
    chargebee_customer_id text unique,
    delinquent            boolean not null default false,
    -- occurred_at of the newest Scalekit event applied; older events must not undo newer ones
    last_event_at         timestamptz,
    -- occurred_at of the newest payment event applied, so a late payment_failed cannot re-flag a recovered org
    delinquency_event_at  timestamptz,
    deleted_at            timestamptz,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now()
);

create table subscription (
    id                        uuid primary key,
    reference_id              text not null,            -- the organization id
    chargebee_customer_id     text,
    chargebee_subscription_id text unique,
    status                    text not null default 'future',
    item_price_id             text,
    seats                     integer,
    period_start              timestamptz,
    period_end                timestamptz,
    trial_start               timestamptz,
    trial_end                 timestamptz,
    canceled_at               timestamptz,
    resource_version          bigint,                   -- Chargebee's per-change millisecond stamp: orders snapshots
    metadata                  jsonb,
    created_at                timestamptz not null default now(),
    updated_at                timestamptz not null default now(),
    constraint subscription_status_check check (status in
        ('future', 'in_trial', 'active', 'non_renewing', 'paused', 'cancelled', 'transferred'))
);

create index subscription_reference_id_idx on subscription (reference_id);

-- At most one live subscription per organization: two concurrent checkouts yield one row and one conflict.
create unique index subscription_one_live_per_reference on subscription (reference_id)
    where status in ('future', 'in_trial', 'active', 'non_renewing', 'paused');

create table subscription_item (
    subscription_id uuid not null references subscription (id) on delete cascade,
    item_price_id   text not null,
    item_type       text,
    quantity        integer,
    unit_price      bigint,
    amount          bigint,
    primary key (subscription_id, item_price_id)
);

-- The message log: one row per event a consumer applied, written in the same transaction as the change.
create table processed_event (
    source       text not null,
    event_id     text not null,
    consumer     text not null,
    processed_at timestamptz not null default now(),
    primary key (source, event_id, consumer)
);

create index processed_event_processed_at_idx on processed_event (processed_at);

create table plan (
    item_price_id text primary key,
    name          text not null,
    limits        jsonb not null default '{}'::jsonb,
    trial_days    integer,
    active        boolean not null default true
);
