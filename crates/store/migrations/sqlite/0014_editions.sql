-- What is published stays as published: publishing a round freezes everything its compiled report
-- shows as an edition (the round, the round it is compared with, the trend, the indicators and the
-- processes, as a data file, and the trend's tallies), which the published pages, downloads and API
-- read from then on. Reopening and publishing again makes the next edition; every edition stays.
-- The PDF is typeset once from the edition and kept with its SHA-256.
CREATE TABLE editions (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    number INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    data TEXT NOT NULL,
    tallies TEXT NOT NULL,
    pdf BLOB,
    pdf_sha256 TEXT,
    replaced_at TEXT,
    replaced_because TEXT,
    UNIQUE (round_id, number)
);
