-- Slack's rate limits shared by replicas: only PostgreSQL has several (one SQLite
-- instance keeps its buckets in memory); the tables are here to keep the schemas
-- numbered alike and the same.
CREATE TABLE rate_buckets (
    key      TEXT    PRIMARY KEY,
    tokens   REAL    NOT NULL,
    at       REAL    NOT NULL,
    trust    REAL    NOT NULL,
    trust_at REAL    NOT NULL
);
CREATE TABLE rate_tickets (
    key TEXT    NOT NULL,
    job BIGINT  NOT NULL,
    at  REAL    NOT NULL,
    PRIMARY KEY (key, job)
);
