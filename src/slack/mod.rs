//! Slack: the Web API client, Block Kit rendering, request signatures, and the inbound
//! payloads of both transports (HTTP and Socket Mode).

pub mod blocks;
pub mod client;
pub mod inbound;
pub mod ratelimit;
pub mod signature;
pub mod socket;

pub use client::SlackChat;
