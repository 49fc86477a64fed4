//! Tests of the incidents table: a declaration as stored, reads, saves and roles.

use chrono::Utc;

use super::*;
use crate::domain::{IncidentId, Role, Roles, Status};
use crate::store::testing;

fn new(title: &str) -> NewIncident {
    NewIncident {
        fields: Default::default(),
        title: title.into(),
        description: None,
        severity: crate::domain::severity::sev(2),
        private: false,
        team_id: Some("T1".into()),
        origin_channel_id: Some("C0".into()),
        declared_by: "U1".into(),
        declared_at: Utc::now(),
        source: None,
        kind: Some("security".into()),
    }
}

#[tokio::test]
async fn create_returns_what_a_read_gives() {
    let (store, _d) = testing::sqlite().await;
    let mut tx = store.begin().await.unwrap();
    let mut n = new("db down");
    n.description = Some("primary lost".into());
    n.source = Some("disk:/var".into());
    let by_person = create(&mut tx, &n, Some("U1")).await.unwrap();
    let read = get(&mut tx, by_person.id).await.unwrap().unwrap();
    assert_eq!(by_person, read);
    assert_eq!(read.roles.commander.as_deref(), Some("U1"));
    assert!(read.acknowledged_at.is_some() && read.ic_ack_pending_since.is_none());
    let by_warroom = create(&mut tx, &new("disk full"), None).await.unwrap();
    let read = get(&mut tx, by_warroom.id).await.unwrap().unwrap();
    assert_eq!(by_warroom, read);
    assert_eq!(read.roles, Roles::default());
    assert!(read.acknowledged_at.is_none() && read.ic_ack_pending_since.is_some());
}

#[tokio::test]
async fn insert_get_save_roles() {
    let (store, _d) = testing::sqlite().await;
    let mut tx = store.begin().await.unwrap();
    let id = create(&mut tx, &new("db down"), None).await.unwrap().id;
    assert_eq!(id, IncidentId(1));
    assert!(
        assign_role(&mut tx, id, Role::Commander, false, "U1", Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !assign_role(&mut tx, id, Role::Commander, false, "U1", Utc::now())
            .await
            .unwrap()
    );
    assert!(
        assign_role(&mut tx, id, Role::Commander, false, "U2", Utc::now())
            .await
            .unwrap()
    );
    assert!(
        assign_role(&mut tx, id, Role::Expert, true, "U3", Utc::now())
            .await
            .unwrap()
    );
    assert!(
        assign_role(&mut tx, id, Role::Expert, true, "U4", Utc::now())
            .await
            .unwrap()
    );
    let scribe = Role::parse("scribe").unwrap();
    for (user, took) in [("U5", true), ("U6", true), ("U6", false)] {
        let got = assign_role(&mut tx, id, scribe, false, user, Utc::now())
            .await
            .unwrap();
        assert_eq!(got, took, "{user}");
    }
    let mut i = get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(i.roles.commander.as_deref(), Some("U2"));
    assert_eq!(
        i.kind.as_deref(),
        Some("security"),
        "the type is stored by key"
    );
    assert_eq!(i.roles.experts, vec!["U3", "U4"]);
    assert_eq!(
        i.roles.get(scribe),
        vec!["U6"],
        "one scribe: the second replaced the first"
    );
    assert_eq!(i.roles.people(), vec!["U2", "U3", "U4", "U6"]);
    i.status = Status::Monitoring;
    i.impact_percent = Some(12.5);
    i.services = vec!["api".into(), "db".into()];
    save(&mut tx, &i).await.unwrap();
    set_channel(&mut tx, id, "C9", "inc-1-db-down")
        .await
        .unwrap();
    let j = by_channel(&mut tx, "C9").await.unwrap().unwrap();
    assert_eq!(j.status, Status::Monitoring);
    assert_eq!(j.impact_percent, Some(12.5));
    assert_eq!(j.services, vec!["api", "db"]);
    assert_eq!(
        remove_role(&mut tx, id, Role::Expert, Some("U3"))
            .await
            .unwrap(),
        vec!["U3"]
    );
    assert!(lock(&mut tx, id).await.unwrap());
    assert!(!lock(&mut tx, IncidentId(99)).await.unwrap());
    tx.commit().await.unwrap();
    let open = open_by_severity(&store).await.unwrap();
    let sev = crate::domain::severity::sev;
    assert_eq!(
        open,
        vec![(sev(1), 0), (sev(2), 1), (sev(3), 0), (sev(4), 0)]
    );
    let mut conn = store.conn().await.unwrap();
    let l = list(
        &mut conn,
        &Filter {
            open_only: true,
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(l.len(), 1);
    let l = list(
        &mut conn,
        &Filter {
            status: Some(Status::Resolved),
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert!(l.is_empty());
}
