-- Removed participants: the tokens issued to `identity` for `room` before `revoked_before_ms` no
-- longer admit them. A token lives at most a day, so a row older than that is moot and purged.
CREATE TABLE token_revocations (
    room TEXT NOT NULL,
    identity TEXT NOT NULL,
    revoked_before_ms BIGINT NOT NULL,
    PRIMARY KEY (room, identity)
);

CREATE INDEX token_revocations_time ON token_revocations (revoked_before_ms);
