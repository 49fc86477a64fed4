//! The `ticket.sync` job: one ticket brought to what warroom wants. Found or made
//! first: the row is written before the first create, so a create that may have
//! gone through unanswered (a lost answer, a kill -9) is looked for by its marker
//! before it is tried again, and never made twice. Then kept current: its title and
//! body when they changed, its state moved (GitHub: closed or open; Jira: the
//! configured transition), and the postmortem's link commented once.

use crate::app::Tickets;
use crate::app::delivery::JobError;
use crate::app::delivery::outbox::{self, ChatOp};
use crate::app::delivery::provider_refusals::Trouble;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::domain::{Incident, IncidentId};
use crate::providers::ProviderError;
use crate::store::jobs::Job;
use crate::store::tickets::{self, Linked, Ticket};
use crate::store::{actions, postmortems, timeline};
use crate::tickets::draft::{self, Draft, Links, Piece};
use crate::tickets::{Route, Subject, Tracker, github as gh, jira};

/// Where a ticket lives, and the route it was made on (None: that route is gone).
pub(crate) struct Place {
    pub tracker: Tracker,
    pub project: String,
    pub route: Option<(usize, Route)>,
}

impl Tickets<'_> {
    /// Runs one sync of `subject`'s ticket of `id`.
    pub(crate) async fn fire_sync(
        &self,
        job: &Job,
        id: IncidentId,
        subject: &str,
    ) -> Result<(), JobError> {
        let subject = Subject::parse(subject)
            .ok_or_else(|| JobError::Fatal(format!("ticket subject {subject:?}")))?;
        let inc = self.job_incident(id).await?;
        let mut conn = self.store.conn().await?;
        let row = tickets::get(&mut conn, id, &subject.key()).await?;
        let item = match subject {
            Subject::Action(seq) => Some(
                actions::get(&mut conn, id, seq)
                    .await?
                    .ok_or_else(|| JobError::Skip(format!("{id} has no action item #{seq}")))?,
            ),
            Subject::Incident => None,
        };
        let publication = postmortems::publication(&mut conn, id).await?;
        drop(conn);
        let Some(place) = self.place(&inc, subject, row.as_ref()) else {
            return self.delivery().finish(job).await;
        };
        let links = self.links(&inc, publication.and_then(|p| p.link));
        let labels = place.route.as_ref().map_or(&[][..], |(_, r)| &r.labels[..]);
        let draft = match &item {
            Some(item) => draft::action(&inc, item, &links, labels),
            None => draft::incident(&inc, &links, labels),
        };
        let done = async {
            let row = match row {
                Some(r) if r.key.is_some() => r,
                earlier => {
                    self.find_or_create(&inc, subject, &place, &draft, earlier)
                        .await?
                }
            };
            self.bring_up(
                job,
                &inc,
                subject,
                &place,
                &row,
                &draft,
                links.postmortem.as_deref(),
            )
            .await
        };
        match done.await {
            Ok(()) => self.delivery().finish(job).await,
            Err(Trouble::Told(what)) => self.told(job, &inc, subject, what).await,
            Err(Trouble::Job(e)) => Err(e),
        }
    }

    /// Where `subject`'s ticket is (or goes); None when no route takes it.
    fn place(&self, inc: &Incident, subject: Subject, row: Option<&Ticket>) -> Option<Place> {
        let routes = &self.cfg.tickets.routes;
        match row {
            Some(t) => {
                let tracker = Tracker::parse(&t.tracker)?;
                let route = routes
                    .iter()
                    .enumerate()
                    .find(|(_, r)| r.tracker == tracker && r.project == t.project)
                    .map(|(i, r)| (i, r.clone()));
                Some(Place {
                    tracker,
                    project: t.project.clone(),
                    route,
                })
            }
            None if self.wanted(inc, subject) => {
                let (i, r) = self.cfg.tickets.route_for(inc, subject)?;
                Some(Place {
                    tracker: r.tracker,
                    project: r.project.clone(),
                    route: Some((i, r.clone())),
                })
            }
            None => None,
        }
    }

    /// The links a ticket of `inc` carries (never a signed key: a tracker is not
    /// the incident's channel).
    fn links(&self, inc: &Incident, postmortem: Option<String>) -> Links {
        let base = self.cfg.http.public_url.trim_end_matches('/');
        let page = (!base.is_empty()).then(|| format!("{base}/incidents/{}", inc.id));
        Links {
            channel: inc
                .channel_id
                .as_ref()
                .map(|c| format!("https://slack.com/app_redirect?channel={c}")),
            postmortem: page
                .as_ref()
                .map(|p| format!("{p}/postmortem"))
                .or(postmortem)
                .filter(|_| inc.resolved_at.is_some()),
            page,
        }
    }

    /// Links `subject` to its ticket: the one an earlier attempt made, else a new one.
    async fn find_or_create(
        &self,
        inc: &Incident,
        subject: Subject,
        place: &Place,
        draft: &Draft,
        earlier: Option<Ticket>,
    ) -> Result<Ticket, Trouble> {
        let now = self.now();
        let found = match &earlier {
            None => {
                let mut tx = self.store.begin_background().await?;
                let key = subject.key();
                tickets::start(
                    &mut tx,
                    inc.id,
                    &key,
                    place.tracker.key(),
                    &place.project,
                    now,
                )
                .await?;
                tx.commit().await?;
                None
            }
            Some(t) => self.look(place, draft, t).await?,
        };
        let (key, url, assignee, adopted) = match found {
            Some((key, url)) => (key, url, None, true),
            None => {
                let (key, url, assignee) = self.create(inc, subject, place, draft).await?;
                (key, url, assignee, false)
            }
        };
        self.linked(
            inc,
            subject,
            place,
            draft,
            (&key, &url, assignee.as_deref()),
            adopted,
        )
        .await
    }

    /// The ticket an earlier, unanswered create may have made.
    async fn look(
        &self,
        place: &Place,
        draft: &Draft,
        earlier: &Ticket,
    ) -> Result<Option<(String, String)>, Trouble> {
        let p = &self.providers;
        Ok(match place.tracker {
            Tracker::Jira => p
                .jira
                .find(&place.project, &draft.marker)
                .await
                .map_err(|e| self.refused(place, "look for", e))?
                .map(|i| (i.key.clone(), p.jira.browse_url(&i.key))),
            Tracker::GitHub => {
                let since = earlier.started_at - chrono::Duration::minutes(5);
                p.github
                    .find(&place.project, &draft.marker, since)
                    .await
                    .map_err(|e| self.refused(place, "look for", e))?
                    .map(|i| (i.number.to_string(), i.url))
            }
        })
    }

    /// Makes the ticket: its key, link and the tracker user it was assigned to.
    async fn create(
        &self,
        inc: &Incident,
        subject: Subject,
        place: &Place,
        draft: &Draft,
    ) -> Result<(String, String, Option<String>), Trouble> {
        let assignee = self.assignee(place.tracker, draft.owner.as_deref()).await?;
        let p = &self.providers;
        let route = place.route.as_ref().map(|(_, r)| r);
        let made = match place.tracker {
            Tracker::Jira => {
                let priority = draft
                    .priority
                    .and_then(|pr| self.cfg.tickets.jira.priorities.get(pr.key()))
                    .map(String::as_str);
                let empty = Default::default();
                let body = jira::create_body(
                    draft,
                    &jira::Target {
                        project: &place.project,
                        issue_type: route.map_or("Task", |r| r.issue_type.as_str()),
                        priority,
                        assignee: assignee.as_deref(),
                        extra: route.map_or(&empty, |r| &r.jira_fields),
                    },
                );
                p.jira
                    .create(&body)
                    .await
                    .map(|key| (p.jira.browse_url(&key), key))
            }
            Tracker::GitHub => p
                .github
                .create(&place.project, &gh::create_body(draft, assignee.as_deref()))
                .await
                .map(|i| (i.url, i.number.to_string())),
        };
        let (url, key) = made.map_err(|e| self.refused(place, "create", e))?;
        tracing::info!(incident = %inc.id, subject = %subject.key(), tracker = place.tracker.key(), ticket = %key, "ticket created");
        Ok((key, url, assignee))
    }

    /// The tracker user who gets `owner`'s ticket: the configured map, else (Jira)
    /// the account with the owner's Slack email. None when nobody is found; a
    /// lookup Jira could not answer now is tried again with the create.
    async fn assignee(
        &self,
        tracker: Tracker,
        owner: Option<&str>,
    ) -> Result<Option<String>, Trouble> {
        let Some(owner) = owner else {
            return Ok(None);
        };
        let t = &self.cfg.tickets;
        match tracker {
            Tracker::GitHub => Ok(t.github.logins.get(owner).cloned()),
            Tracker::Jira => {
                if let Some(a) = t.jira.users.get(owner) {
                    return Ok(Some(a.clone()));
                }
                let Ok(Some(email)) = self.chat.user_email(owner).await else {
                    return Ok(None);
                };
                match self.providers.jira.account_by_email(&email).await {
                    Ok(found) => Ok(found),
                    Err(e @ ProviderError::Retry { .. }) => Err(e.into()),
                    // Refused (no permission to browse users): the ticket goes unassigned.
                    Err(_) => Ok(None),
                }
            }
        }
    }

    /// Stores the link, says so on the timeline, and refreshes the headline.
    async fn linked(
        &self,
        inc: &Incident,
        subject: Subject,
        place: &Place,
        draft: &Draft,
        (key, url, assignee): (&str, &str, Option<&str>),
        adopted: bool,
    ) -> Result<Ticket, Trouble> {
        let now = self.now();
        let due = draft.due.map(|d| d.to_string());
        // A ticket found again may differ from the draft: the next pass sends it.
        let fingerprint = if adopted {
            String::new()
        } else {
            draft.fingerprint()
        };
        let l = Linked {
            key,
            url,
            state: if adopted { "" } else { "open" },
            closed: false,
            assignee,
            due: due.as_deref(),
            fingerprint: &fingerprint,
        };
        let mut tx = self.store.begin_background().await?;
        tickets::link(&mut tx, inc.id, &subject.key(), &l, now).await?;
        let row = tickets::get(&mut tx, inc.id, &subject.key())
            .await?
            .ok_or_else(|| Trouble::Job(JobError::Fatal("the ticket row vanished".into())))?;
        let name = super::told::link(&row);
        let what = match subject {
            Subject::Incident => format!("{} ticket {name}", place.tracker.name()),
            Subject::Action(seq) => {
                format!("Action item #{seq}: {} ticket {name}", place.tracker.name())
            }
        };
        let entry = self.incidents().entry(BOT_ACTOR, EntryKind::Ticket, what);
        timeline::add(
            &mut tx,
            inc.id,
            &entry,
            Some(&format!("ticket:{}", subject.key())),
            now,
        )
        .await?;
        if subject == Subject::Incident {
            let op = ChatOp::RefreshHeadline { incident: inc.id.0 };
            outbox::to_incident(&mut tx, inc.id, &op, now).await?;
            if url.starts_with("https://") || url.starts_with("http://") {
                let op = ChatOp::Bookmark {
                    incident: inc.id.0,
                    title: format!("Ticket {}", row.name().unwrap_or_default()),
                    link: url.to_string(),
                };
                outbox::to_incident(&mut tx, inc.id, &op, now).await?;
            }
        }
        self.commit(tx).await?;
        Ok(row)
    }

    /// A refusal as a person reads it, with what to fix; other errors stay the job's.
    pub(crate) fn refused(&self, place: &Place, what: &str, e: ProviderError) -> Trouble {
        match e {
            ProviderError::Refused { status, text } => {
                Trouble::Told(super::told::refusal(place, what, status, &text))
            }
            e => e.into(),
        }
    }
}

/// A link line for a comment.
pub(crate) fn postmortem_line(url: &str) -> Vec<Vec<Piece>> {
    vec![vec![
        Piece::Text("warroom: the postmortem draft is ready: ".into()),
        Piece::Link {
            text: url.to_string(),
            url: url.to_string(),
        },
    ]]
}

/// The action item a ticket is about, if it is one.
pub(crate) fn item_of(subject: &str) -> Option<i64> {
    match Subject::parse(subject)? {
        Subject::Action(seq) => Some(seq),
        Subject::Incident => None,
    }
}
