-- Session events as the provider reported them, one row per event id. The same SQL runs on SQLite
-- and PostgreSQL. The primary key makes an append idempotent in the database itself, so two
-- writers (two token-server replicas on one PostgreSQL) never store an event twice.
CREATE TABLE attendance_events (
    event_id TEXT PRIMARY KEY,
    room TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_at_ms BIGINT NOT NULL,
    identity TEXT,
    participant_session TEXT,
    display_name TEXT,
    role TEXT
);

-- Reports read one room's events; the purge deletes by time.
CREATE INDEX attendance_events_room ON attendance_events (room, occurred_at_ms);
CREATE INDEX attendance_events_occurred ON attendance_events (occurred_at_ms);
