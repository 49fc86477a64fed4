//! The postmortem as a Confluence page (`[postmortem.confluence]`): a job queued with
//! each new draft. The first draft creates the page (after looking for it by its
//! title, so a create whose answer was lost is found, not doubled); each later draft
//! replaces its content with the next version number (a 409 reads it again). A page
//! whose version moved past the one warroom wrote was edited by people and is never
//! overwritten: warroom puts its draft on a page of its own beside it and says so in
//! the channel. Resolve and the drafts never wait for it.

use crate::app::delivery::JobError;
use crate::app::delivery::outbox;
use crate::app::delivery::provider_refusals::Trouble;
use crate::app::jobs::JobKind;
use crate::app::paging::oncall::outside;
use crate::app::{Reports, messages};
use crate::domain::Incident;
use crate::domain::timeline::{BOT_ACTOR, EntryKind};
use crate::postmortem::confluence::{self as wire, Page};
use crate::providers::http::ProviderError;
use crate::store::jobs::{self, Job, NewJob};
use crate::store::postmortem_documents::{self as documents, Document};
use crate::store::{StoreError, Tx, postmortems, timeline};

/// The target name stored for Confluence pages.
const CONFLUENCE: &str = "confluence";

/// The Confluence job of `id`: one waits at a time; it reads the latest draft.
pub(super) fn job(id: crate::domain::IncidentId, now: chrono::DateTime<chrono::Utc>) -> NewJob {
    NewJob {
        dedupe_key: Some(format!("postmortem.confluence:{}", id.0)),
        ..JobKind::PostmortemConfluence { incident: id }
            .at(Some(format!("postmortem-confluence:{}", id.0)), now)
    }
}

/// The draft to write.
struct Draft<'a> {
    inc: &'a Incident,
    version: i64,
    storage: String,
}

impl Reports<'_> {
    /// Queues the Confluence job when pages are configured and the incident may go there.
    pub(crate) async fn queue_confluence(
        &self,
        tx: &mut Tx,
        inc: &Incident,
    ) -> Result<(), StoreError> {
        let cfg = &self.cfg.postmortem.confluence;
        if cfg.enabled() && (cfg.private || !inc.private) {
            jobs::enqueue(tx, &job(inc.id, self.now()), self.now()).await?;
        }
        Ok(())
    }

    /// The job: the latest draft onto the page (or beside it).
    pub(crate) async fn fire_confluence(
        &self,
        job: &Job,
        id: crate::domain::IncidentId,
    ) -> Result<(), JobError> {
        let inc = self.job_incident(id).await?;
        let mut conn = self.store.conn().await?;
        let latest = postmortems::latest(&mut conn, id).await?;
        let doc = documents::get(&mut conn, id, CONFLUENCE).await?;
        drop(conn);
        let Some(latest) = latest.filter(|_| self.cfg.postmortem.confluence.enabled()) else {
            return self.delivery().finish(job).await;
        };
        if doc.as_ref().is_some_and(|d| d.version >= latest.version) {
            return self.delivery().finish(job).await;
        }
        if doc.is_none() {
            let mut tx = self.store.begin_background().await?;
            let space = self.cfg.postmortem.confluence.space_id.trim().to_string();
            documents::start(&mut tx, id, CONFLUENCE, &space, self.now()).await?;
            self.commit(tx).await?;
        }
        let draft = Draft {
            inc: &inc,
            version: latest.version,
            storage: wire::storage(&latest.markdown),
        };
        let done = match doc
            .as_ref()
            .and_then(|d| d.reference.clone().map(|r| (d, r)))
        {
            None => self.first_page(&draft).await,
            Some((d, page_id)) => self.next_version(&draft, d, &page_id).await,
        };
        match done {
            Ok(()) => self.delivery().finish(job).await,
            Err(Trouble::Told(what)) => self.documents_told(job, &inc, what).await,
            Err(Trouble::Job(e)) => Err(e),
        }
    }

    /// The first draft: the page found by its title (an earlier create went through
    /// unanswered), or created.
    async fn first_page(&self, d: &Draft<'_>) -> Result<(), Trouble> {
        let key = d.inc.id.to_string();
        let title = wire::title(&key, &d.inc.title.plain());
        let page = self.find_or_create(&title, &d.storage).await?;
        let link = page.webui.clone().unwrap_or_default();
        let mut tx = self.store.begin_background().await?;
        documents::written(
            &mut tx,
            d.inc.id,
            CONFLUENCE,
            (&page.id, &link),
            d.version,
            page.version,
            self.now(),
        )
        .await?;
        let text = format!(
            "The postmortem draft is on Confluence: <{}|{}>. Each new draft replaces its content, unless someone has edited it there.",
            link.replace(['<', '>', '|'], ""),
            outside(&page.title)
        );
        self.say_documents(
            &mut tx,
            d.inc,
            &text,
            &format!("confluence-created:{}", d.inc.id.0),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// A later draft: the page's next version, unless people edited it since
    /// warroom's last one (then warroom's own page beside it).
    async fn next_version(
        &self,
        d: &Draft<'_>,
        doc: &Document,
        page_id: &str,
    ) -> Result<(), Trouble> {
        let c = &self.providers.confluence;
        let page = c.get(page_id).await.map_err(|e| refusal("read", e))?;
        if page.version > doc.remote_version && page.body.as_deref() != Some(d.storage.as_str()) {
            return self.beside(d, doc, &page).await;
        }
        if page.body.as_deref() == Some(d.storage.as_str()) {
            // warroom's own write whose answer was lost: it is there already.
            let link = page.webui.or(doc.link.clone()).unwrap_or_default();
            self.record_written(d, (page_id, &link), page.version)
                .await?;
            return Ok(());
        }
        let message = format!("warroom: postmortem draft v{}", d.version);
        let next = page.version + 1;
        let written = c
            .update(page_id, &page.title, &d.storage, next, &message)
            .await
            .map_err(|e| refusal("update", e))?;
        let link = written.webui.or(doc.link.clone()).unwrap_or_default();
        self.record_written(d, (page_id, &link), written.version)
            .await?;
        Ok(())
    }

    /// People edited the page: warroom's draft goes to a page of its own (made once,
    /// found by its title after a lost answer, then given each later draft), and the
    /// channel is told once.
    async fn beside(&self, d: &Draft<'_>, doc: &Document, edited: &Page) -> Result<(), Trouble> {
        let c = &self.providers.confluence;
        let key = d.inc.id.to_string();
        let title = wire::draft_title(&key, &d.inc.title.plain());
        let page = match &doc.alternate {
            Some(id) => {
                let p = c.get(id).await.map_err(|e| refusal("read", e))?;
                let message = format!("warroom: postmortem draft v{}", d.version);
                c.update(id, &p.title, &d.storage, p.version + 1, &message)
                    .await
                    .map_err(|e| refusal("update", e))?
            }
            None => self.find_or_create(&title, &d.storage).await?,
        };
        let link = page.webui.clone().unwrap_or_default();
        let mut tx = self.store.begin_background().await?;
        documents::beside(
            &mut tx,
            d.inc.id,
            CONFLUENCE,
            (&page.id, &link),
            d.version,
            self.now(),
        )
        .await?;
        let text = format!(
            "The Confluence page <{}|{}> was edited there since warroom last wrote it, so warroom leaves it as it is: draft v{} is on <{}|a page of its own>, which later drafts keep current. Copy over what you need.",
            doc.link
                .as_deref()
                .unwrap_or_default()
                .replace(['<', '>', '|'], ""),
            outside(&edited.title),
            d.version,
            link.replace(['<', '>', '|'], "")
        );
        self.say_documents(
            &mut tx,
            d.inc,
            &text,
            &format!("confluence-beside:{}", d.inc.id.0),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// The page titled `title`, found (an earlier create went through unanswered)
    /// or created.
    async fn find_or_create(&self, title: &str, storage: &str) -> Result<Page, Trouble> {
        let c = &self.providers.confluence;
        match c.find(title).await.map_err(|e| refusal("look for", e))? {
            Some(p) => Ok(p),
            None => c
                .create(title, storage)
                .await
                .map_err(|e| refusal("create", e)),
        }
    }

    /// Records that `page` holds draft `d` as its version `remote_version`.
    async fn record_written(
        &self,
        d: &Draft<'_>,
        page: (&str, &str),
        remote_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin_background().await?;
        documents::written(
            &mut tx,
            d.inc.id,
            CONFLUENCE,
            page,
            d.version,
            remote_version,
            self.now(),
        )
        .await?;
        self.commit(tx).await
    }

    /// Says `text` in the channel and on the timeline, once per `key`.
    async fn say_documents(
        &self,
        tx: &mut Tx,
        inc: &Incident,
        text: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let entry = self
            .incidents()
            .entry(BOT_ACTOR, EntryKind::Postmortem, text.to_string());
        if timeline::add(tx, inc.id, &entry, Some(key), now).await? {
            outbox::post_in_incident(
                tx,
                inc.id,
                messages::notice(":page_facing_up:", text.to_string()),
                now,
            )
            .await?;
        }
        Ok(())
    }
}

/// A Confluence refusal as a person reads it, with the setting to check; other
/// errors stay the job's.
fn refusal(what: &str, e: ProviderError) -> Trouble {
    match e {
        ProviderError::Refused { status, text } => {
            let fix = match status {
                401 => {
                    "Check `postmortem.confluence.email` and `api_token` (or `tickets.jira`'s, which it falls back to)."
                }
                403 => {
                    "The account may not add pages there: give it the space's permission to add pages."
                }
                404 => "Check `postmortem.confluence.space_id`, `parent_id` and `url`.",
                _ => "Check `[postmortem.confluence]`.",
            };
            Trouble::Told(format!(
                "Confluence refused to {what} the postmortem's page ({status}): {}. {fix}",
                outside(&wire::refusal(&text))
            ))
        }
        e => e.into(),
    }
}
