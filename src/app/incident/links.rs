//! Links to the incident pages. A private incident's pages open only for someone
//! warroom knows is in it (through `web.trusted_user_header`) or with a signed link
//! that expires, which warroom posts only in the incident's own channel: the shared
//! `web.token` alone never shows one. The signing secret is made once and kept in the
//! database, so every replica signs and checks alike and links outlive restarts.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::app::Incidents;
use crate::domain::{Incident, IncidentId};
use crate::store::StoreError;

/// How long a signed link stays good.
pub(crate) const LINK_LIFETIME: Duration = Duration::days(30);

const SECRET_KEY: &str = "web-link-secret";

fn mac(secret: &str, id: IncidentId, expires: i64) -> String {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new_from_slice(b"-").expect("key"));
    m.update(format!("{id}:{expires}").as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

/// The `key` of a link to `id` that works until `expires`.
pub(crate) fn sign(secret: &str, id: IncidentId, expires: DateTime<Utc>) -> String {
    let e = expires.timestamp();
    format!("{e}.{}", mac(secret, id, e))
}

/// True when `key` opens `id` at `now`.
pub(crate) fn check(secret: &str, id: IncidentId, key: &str, now: DateTime<Utc>) -> bool {
    let Some((e, sig)) = key.split_once('.') else {
        return false;
    };
    let Ok(expires) = e.parse::<i64>() else {
        return false;
    };
    expires >= now.timestamp()
        && mac(secret, id, expires)
            .as_bytes()
            .ct_eq(sig.as_bytes())
            .into()
}

/// True when `user` is in `inc` (declared it, holds a role, is on its timeline) or an
/// admin.
pub(crate) fn is_member(
    inc: &Incident,
    timeline_actors: &[&str],
    admins: &[String],
    user: &str,
) -> bool {
    inc.declared_by == user
        || inc.roles.people().iter().any(|p| p == user)
        || timeline_actors.contains(&user)
        || admins.iter().any(|a| a == user)
}

impl Incidents<'_> {
    /// The secret links are signed with (made on first use).
    pub(crate) async fn link_secret(&self) -> Result<String, StoreError> {
        self.link_secret
            .get_or_try_init(|| async {
                let pool = &self.store;
                if let Some(s) = crate::store::events::kv_get(pool, SECRET_KEY).await? {
                    return Ok(s);
                }
                let fresh = hex::encode(rand::random::<[u8; 32]>());
                // Another replica may have made one meanwhile: the first one stays.
                crate::store::events::kv_add(pool, SECRET_KEY, &fresh, self.now()).await?;
                Ok(crate::store::events::kv_get(pool, SECRET_KEY)
                    .await?
                    .unwrap_or(fresh))
            })
            .await
            .cloned()
    }

    /// The web address of one of `inc`'s pages (`""`, `/postmortem`), when a public URL
    /// is configured; for a private incident it carries a signed key.
    pub(crate) async fn page_url(&self, inc: &Incident, page: &str) -> Option<String> {
        let base = self.cfg.http.public_url.trim_end_matches('/');
        if base.is_empty() {
            return None;
        }
        let url = format!("{base}/incidents/{}{page}", inc.id);
        if !inc.private {
            return Some(url);
        }
        let secret = self.link_secret().await.ok()?;
        let key = sign(&secret, inc.id, self.now() + LINK_LIFETIME);
        Some(format!("{url}?key={key}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn signed_links_open_one_incident_until_they_expire() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let key = sign("s3cret", IncidentId(5), now + Duration::days(30));
        assert!(check("s3cret", IncidentId(5), &key, now));
        assert!(check(
            "s3cret",
            IncidentId(5),
            &key,
            now + Duration::days(29)
        ));
        assert!(
            !check("s3cret", IncidentId(5), &key, now + Duration::days(31)),
            "expired"
        );
        assert!(
            !check("s3cret", IncidentId(6), &key, now),
            "another incident"
        );
        assert!(!check("other", IncidentId(5), &key, now), "another secret");
        let (e, sig) = key.split_once('.').unwrap();
        let later = format!("{}.{sig}", e.parse::<i64>().unwrap() + 86_400);
        assert!(
            !check("s3cret", IncidentId(5), &later, now),
            "expiry cannot be moved"
        );
        assert!(!check("s3cret", IncidentId(5), "garbage", now));
    }
}
