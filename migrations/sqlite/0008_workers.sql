-- Jobs workers and their last sign of life (the database's clock, in ms). Claims of a
-- worker that stopped beating are released at once instead of waiting out their lease,
-- so a restarted warroom resumes within seconds.
CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    heartbeat_at INTEGER NOT NULL,
    started_at INTEGER NOT NULL
);
