-- The request headers of each attempt as they were sent, for the dashboard (an emulator
-- addition: Quo's API has no field for them). Signatures are stored shortened, so the store
-- never holds more of a signature than the dashboard shows. A JSON array of [name, value].
CREATE TABLE attempt_headers (
    attempt_id TEXT PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    headers TEXT NOT NULL
);
