-- billing-ops: the dead-letter records `billbridge-ops redrive` has sent back to their original topic.
-- One row per dead-letter record (topic, partition, offset), written in the same transaction that waits
-- for the broker's acknowledgement, so a second redrive skips what the first one delivered.
create table ops_redrive (
    dlq_topic     text        not null,
    dlq_partition integer     not null,
    dlq_offset    bigint      not null,
    event_id      text,
    target_topic  text        not null,
    target_partition integer,
    target_offset bigint,
    redriven_by   text,
    redriven_at   timestamptz not null default now(),
    primary key (dlq_topic, dlq_partition, dlq_offset)
);

create index ops_redrive_event_id_idx on ops_redrive (event_id);
