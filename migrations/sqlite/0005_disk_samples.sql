-- Usage samples of local filesystems, kept by the disk watcher to estimate how fast
-- each one fills (Prometheus keeps its own history for remote hosts).
CREATE TABLE disk_samples (
    key         TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    used        INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    PRIMARY KEY (key, at)
);
