-- What a provider keeps per room (video_core::RoomRecords): Google Meet's meeting space of each
-- room, so every replica and every restart hands out the same link. The first record written for
-- a (provider, room) pair is kept; rows older than the attendance retention are purged.
CREATE TABLE room_records (
    provider TEXT NOT NULL,
    room TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (provider, room)
);

CREATE INDEX room_records_time ON room_records (created_at_ms);
