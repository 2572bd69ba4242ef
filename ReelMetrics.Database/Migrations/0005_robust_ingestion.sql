-- Dead letters are identified by the message they came from, not by its Kafka coordinates alone: a new local
-- broker or a recreated topic starts its offsets over, and a different message at a known offset must not be
-- taken for one already dead-lettered. message_id is computed by the consumer from the coordinates, the broker
-- timestamp, the key and the payload (stable when the same message is redelivered).
alter table dead_letters add column message_id uuid;
update dead_letters set message_id = md5(topic || '/' || kafka_partition || '/' || kafka_offset)::uuid;
alter table dead_letters alter column message_id set not null;
alter table dead_letters drop constraint if exists dead_letters_topic_kafka_partition_kafka_offset_key;
alter table dead_letters add constraint dead_letters_message_id_key unique (message_id);
create index dead_letters_source on dead_letters (topic, kafka_partition, kafka_offset);
create index dead_letters_received_at on dead_letters (received_at);

-- The dead-letter topic is fed from this table (an outbox): a letter is published after it is stored, retried
-- until the broker takes it, and never holds up ingestion. Letters stored before this migration were published.
alter table dead_letters add column published_at timestamptz;
update dead_letters set published_at = received_at;
create index dead_letters_unpublished on dead_letters (dead_letter_id) where published_at is null;

-- The database itself refuses a showtime sold beyond its capacity. The consumer decides which sales fit (in
-- message order, whatever the batching); this is the last line if two writers ever raced for the same seats.
create function showtime_sales_within_capacity() returns trigger language plpgsql as $$
declare
    seats integer;
begin
    select capacity into seats from showtimes where showtime_id = new.showtime_id;
    if new.tickets_sold > seats then
        raise exception 'showtime % would be sold beyond its capacity (% of % seats)', new.showtime_id, new.tickets_sold, seats
            using errcode = 'check_violation';
    end if;
    return new;
end
$$;

create trigger showtime_sales_within_capacity
    before insert or update of tickets_sold on showtime_sales
    for each row execute function showtime_sales_within_capacity();
