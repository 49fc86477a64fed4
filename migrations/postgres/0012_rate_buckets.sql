-- Slack's rate limits shared by the replicas (src/pace, src/store/rate_buckets.rs):
-- a bucket per Web API method (or per channel for posts), and the slots reserved
-- for queued jobs. Times are seconds on the database's clock.
CREATE TABLE rate_buckets (
    key      TEXT             PRIMARY KEY,
    tokens   DOUBLE PRECISION NOT NULL,
    at       DOUBLE PRECISION NOT NULL,
    trust    DOUBLE PRECISION NOT NULL,
    trust_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE rate_tickets (
    key TEXT             NOT NULL,
    job BIGINT           NOT NULL,
    at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (key, job)
);
