-- The virtual clock's offset from real time, kept across restarts: the due times in the
-- queue are the emulator's time, so a restart that went back to real time would delay every
-- retry scheduled after an advance by the whole offset. One row.
CREATE TABLE emulator_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    offset_ms BIGINT NOT NULL
);
