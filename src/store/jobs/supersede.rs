//! Skipping work a later job will redo: a job whose successor of the same kind, for
//! the same thing, already waits in its queue need not run (the successor carries
//! newer state).

use super::Job;
use crate::store::{Result, Store};

/// True when a later job of the same kind and payload waits in the same queue (it
/// will do the same work with newer state). The payload tells apart jobs of one
/// queue about different things: the edits of two warnings in one channel.
pub async fn superseded(store: &Store, job: &Job) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE queue = $1 AND kind = $2 AND state = 'pending' AND id > $3 \
         AND payload = $4",
    )
    .bind(&job.queue)
    .bind(&job.kind)
    .bind(job.id)
    .bind(job.payload.to_string())
    .fetch_one(&store.pool)
    .await?;
    Ok(n > 0)
}
