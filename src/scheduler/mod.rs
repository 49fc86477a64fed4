//! The jobs worker: runs what the use cases queued (Slack calls, reminders, the
//! digest, watcher runs) from the durable jobs table.

pub mod worker;
