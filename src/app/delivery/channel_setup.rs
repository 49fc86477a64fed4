//! Delivering an incident channel's set-up: the channel made under Slack's naming
//! rules (adopting one an earlier attempt made), people invited, its topic, and its
//! headline posted, pinned and kept current.

use std::time::Duration;

use crate::app::Delivery;
use crate::app::delivery::JobError;
use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::messages;
use crate::chat::ChatError;
use crate::domain::channel_name;
use crate::store::incidents;
use crate::store::jobs::Job;

/// Alternative channel names tried when the first is taken.
const NAME_ATTEMPTS: u32 = 20;

impl Delivery<'_> {
    /// Creates the incident's channel under Slack's naming rules, never failing the
    /// declaration over a name: a taken name gets a suffix, and a channel an earlier
    /// attempt of this job created (the answer was lost, or warroom was killed) is
    /// adopted rather than made twice.
    pub(in crate::app) async fn create_channel(
        &self,
        job: &Job,
        incident: i64,
    ) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        if inc.channel_id.is_some() {
            return self.finish(job).await;
        }
        // A type may name its channels its own way (`sec-12-…`).
        let prefix = self
            .cfg
            .type_book()
            .of(inc.kind.as_deref())
            .and_then(|t| t.channel_prefix.clone())
            .unwrap_or_else(|| self.cfg.slack.channel_prefix.clone());
        let base = channel_name::for_incident(&prefix, inc.id, &inc.title.plain());
        let bot = self.chat.bot_user_id().await?;
        let mut chosen: Option<(String, String)> = None;
        for n in 1..=NAME_ATTEMPTS {
            let name = if n == 1 {
                base.clone()
            } else {
                channel_name::alternative(&base, n)
            };
            match self.chat.create_channel(&name, inc.private).await {
                Ok(id) => {
                    chosen = Some((id, name));
                    break;
                }
                Err(ChatError::Api(code)) if code == "name_taken" => {
                    if let Some(ch) = self.chat.find_channel(&name).await?
                        && ch.creator.as_deref() == Some(bot.as_str())
                        && !ch.archived
                    {
                        let mut conn = self.store.conn().await?;
                        if !incidents::channel_in_use(&mut conn, &ch.id).await? {
                            tracing::info!(incident = %inc.id, channel = %ch.id, "adopting the channel an earlier attempt created");
                            chosen = Some((ch.id, name));
                            break;
                        }
                    }
                    continue;
                }
                Err(ChatError::Api(code)) if code.starts_with("invalid_name") => {
                    // Our names follow the rules; a workspace with stricter ones gets the bare form.
                    tracing::warn!(name, code, "channel name refused");
                    if n == NAME_ATTEMPTS {
                        break;
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let Some((channel_id, name)) = chosen else {
            return Err(JobError::Retry {
                after: Some(Duration::from_secs(60)),
                reason: format!("no free channel name after {NAME_ATTEMPTS} tries"),
            });
        };
        let mut tx = self.store.begin_background().await?;
        incidents::set_channel(&mut tx, inc.id, &channel_id, &name).await?;
        outbox::to_incident(&mut tx, inc.id, &ChatOp::SetTopic { incident }, self.now()).await?;
        self.finish_job(tx, job).await?;
        tracing::info!(incident = %inc.id, channel = %channel_id, name = %name, "incident channel ready");
        Ok(())
    }

    /// Invites people to the incident's channel (never the bot itself).
    pub(in crate::app) async fn invite_to_channel(
        &self,
        job: &Job,
        incident: i64,
        users: Vec<String>,
    ) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        let channel = Self::channel_of(&inc)?;
        let bot = self.chat.bot_user_id().await?;
        let invite = |users: Vec<String>| -> Vec<String> {
            users
                .into_iter()
                .filter(|u| *u != bot && u != crate::domain::timeline::BOT_ACTOR)
                .collect()
        };
        // The people named first, so a group Slack will not list keeps nobody out;
        // then its type's user groups, as they are now (a retry invites again:
        // Slack ignores who is already in).
        self.chat.invite(channel, &invite(users)).await?;
        if let Some(t) = self.cfg.type_book().of(inc.kind.as_deref()) {
            for group in &t.user_groups {
                let members = self.chat.group_members(group).await?;
                self.chat.invite(channel, &invite(members)).await?;
            }
        }
        self.finish(job).await
    }

    /// Sets the channel's topic to the incident's current state.
    pub(in crate::app) async fn set_channel_topic(
        &self,
        job: &Job,
        incident: i64,
    ) -> Result<(), JobError> {
        if self.superseded(job).await? {
            return self.finish(job).await;
        }
        let inc = self.incident(incident).await?;
        // Its own queue: the channel may still be on its way, and its creation
        // queues the topic then (with the state of that moment).
        if inc.channel_id.is_none() && inc.channel_error.is_none() {
            return self.finish(job).await;
        }
        let channel = Self::channel_of(&inc)?;
        let ic_name = match inc.commander() {
            Some(ic) => Some(self.user_name(ic).await),
            None => None,
        };
        self.chat
            .set_topic(channel, &inc.topic(ic_name.as_deref()))
            .await?;
        self.finish(job).await
    }

    /// Bookmarks `link` in the incident's channel once it has one (queued after the
    /// channel, on the topic's queue: a channel still on its way is waited for).
    pub(in crate::app) async fn bookmark(
        &self,
        job: &Job,
        incident: i64,
        title: &str,
        link: &str,
    ) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        let Some(channel) = inc.channel_id.as_deref() else {
            return Err(JobError::Skip(format!("{} has no channel", inc.id)));
        };
        self.chat.bookmark(channel, title, link).await?;
        self.finish(job).await
    }

    /// Posts the headline once, remembers it, and queues its pinning.
    pub(in crate::app) async fn post_headline(
        &self,
        job: &Job,
        incident: i64,
    ) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        if inc.headline_ts.is_some() {
            return self.finish(job).await;
        }
        let channel = Self::channel_of(&inc)?.to_string();
        let ticket = self.tickets().link_of(inc.id).await?;
        let ts = self
            .post_once(
                &channel,
                &messages::headline(&inc, self.tz, self.cfg().vocabulary(), ticket.as_deref()),
                job,
            )
            .await?;
        let mut tx = self.store.begin_background().await?;
        incidents::set_headline(&mut tx, inc.id, &ts).await?;
        outbox::to_incident(
            &mut tx,
            inc.id,
            &ChatOp::PinHeadline { incident },
            self.now(),
        )
        .await?;
        self.finish_job(tx, job).await
    }

    pub(in crate::app) async fn pin_headline(
        &self,
        job: &Job,
        incident: i64,
    ) -> Result<(), JobError> {
        let inc = self.incident(incident).await?;
        let channel = Self::channel_of(&inc)?;
        if let Some(ts) = &inc.headline_ts {
            self.chat.pin(channel, ts).await?;
        }
        self.finish(job).await
    }

    /// Edits the pinned headline to show the incident's current state.
    pub(in crate::app) async fn refresh_headline(
        &self,
        job: &Job,
        incident: i64,
    ) -> Result<(), JobError> {
        if self.superseded(job).await? {
            return self.finish(job).await;
        }
        let inc = self.incident(incident).await?;
        // Before the headline exists, its first post will show the current state.
        if let (Some(channel), Some(ts)) = (&inc.channel_id, &inc.headline_ts) {
            let ticket = self.tickets().link_of(inc.id).await?;
            // An edit nobody waits for: it takes a free slot, superseded meanwhile.
            crate::chat::be_patient();
            self.chat
                .update(
                    channel,
                    ts,
                    &messages::headline(&inc, self.tz, self.cfg().vocabulary(), ticket.as_deref()),
                )
                .await?;
        }
        self.finish(job).await
    }

    /// A user's display name, cached.
    async fn user_name(&self, user: &str) -> String {
        let key = format!("user-name:{user}");
        if let Ok(Some(n)) = crate::store::events::kv_get(&self.store, &key).await {
            return n;
        }
        match self.chat.user_name(user).await {
            Ok(n) => {
                let _ = crate::store::events::kv_set(&self.store, &key, &n, self.now()).await;
                n
            }
            Err(e) => {
                tracing::warn!(user, error = %e, "could not read a user's name");
                user.to_string()
            }
        }
    }
}
