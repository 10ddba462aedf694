//! Draft operations: the grouped queue, edit, approve (also concurrently),
//! reject, reassign, and resolving uncertain sends.

use super::*;
use crate::publish::WEIBO_MAX_CHARS;

fn reviewer(name: &str) -> Actor {
    Actor::new(name, "reviewer")
}

#[tokio::test]
async fn the_queue_groups_drafts_by_incident_with_single_replies_last() {
    let f = fixture();
    let desk = f.desk();
    let older = seed_incident(&f.store, "花呗还款失败", Utc::now() - minutes(60)).await;
    let newer = seed_incident(&f.store, "红包领取失败", Utc::now()).await;
    let (single, _) = seed_draft(
        &f.store,
        Channel::Wechat,
        "reply:greeting",
        DraftState::Proposed,
        0,
    )
    .await;
    let (a1, _) = seed_draft(&f.store, Channel::Weibo, &older, DraftState::Proposed, 2).await;
    let (b1, _) = seed_draft(&f.store, Channel::Weibo, &newer, DraftState::Proposed, 0).await;
    let (a2, _) = seed_draft(&f.store, Channel::Wechat, &older, DraftState::Edited, 0).await;
    let (_sent, _) = seed_draft(&f.store, Channel::Weibo, &newer, DraftState::Sent, 0).await;

    let page = desk.drafts(&DraftQuery::default()).expect("queue");
    let groups: Vec<(String, String, Vec<DraftId>)> = page
        .items
        .iter()
        .map(|g| {
            (
                g.key.clone(),
                g.title.clone(),
                g.drafts.iter().map(|d| d.draft.id).collect(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        vec![
            (newer.clone(), "红包领取失败".to_string(), vec![b1]),
            (older.clone(), "花呗还款失败".to_string(), vec![a2, a1]),
            (
                "single".to_string(),
                SINGLE_REPLIES.to_string(),
                vec![single]
            ),
        ]
    );
    assert_eq!(page.next, None);
    let a1_row = &page.items[1].drafts[1];
    assert_eq!(a1_row.covers, 3, "its target and two near-duplicates");
    assert_eq!(a1_row.limit.max, Some(WEIBO_MAX_CHARS));

    // Two at a time: the incident's drafts continue on the next page under the same key.
    let mut query = DraftQuery {
        state: Some("proposed,edited".into()),
        limit: Some(2),
        ..DraftQuery::default()
    };
    let first = desk.drafts(&query).expect("page 1");
    query.cursor = first.next.clone();
    let second = desk.drafts(&query).expect("page 2");
    let keys = |p: &Page<DraftGroup>| {
        p.items
            .iter()
            .map(|g| (g.key.clone(), g.drafts.len()))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&first), vec![(newer.clone(), 1), (older.clone(), 1)]);
    assert_eq!(keys(&second), vec![(older, 1), ("single".to_string(), 1)]);
    assert_eq!(second.next, None);
    query.state = Some("bogus".into());
    assert!(matches!(desk.drafts(&query), Err(DeskError::Invalid(_))));
}

#[tokio::test]
async fn an_edit_checks_the_length_and_refuses_a_stale_page() {
    let f = fixture();
    let desk = f.desk();
    let (id, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Proposed,
        0,
    )
    .await;
    let seen = desk.draft(id).expect("view").draft.updated_at;
    match desk
        .edit_draft(&reviewer("r1"), id, &"长".repeat(WEIBO_MAX_CHARS + 1), seen)
        .await
    {
        Err(DeskError::TooLong(why)) => assert!(why.contains("141 characters"), "{why}"),
        other => panic!("over-long must be refused: {other:?}"),
    }
    let edited = desk
        .edit_draft(&reviewer("r1"), id, " 您好，已处理。 ", seen)
        .await
        .expect("edit");
    assert_eq!(
        (edited.state.clone(), edited.body.as_str()),
        (DraftState::Edited, "您好，已处理。")
    );
    // A second reviewer's page still shows the old `updated_at`.
    match desk.edit_draft(&reviewer("r2"), id, "别的说法", seen).await {
        Err(DeskError::Conflict { current }) => assert_eq!(current, "edited"),
        other => panic!("a stale edit must conflict: {other:?}"),
    }
    let trail = audits(&f.store, &id.to_string(), "draft.edited");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].actor, "r1");
    assert_eq!(
        trail[0].before,
        Some(serde_json::json!({"state": "proposed", "body": "您好，已为您加急处理。"}))
    );
    assert_eq!(
        trail[0].after,
        Some(serde_json::json!({"state": "edited", "body": "您好，已处理。"}))
    );
    // Once approved it cannot be edited.
    desk.approve_draft(&reviewer("r1"), id)
        .await
        .expect("approve");
    let now = desk.draft(id).expect("view").draft.updated_at;
    assert!(matches!(
        desk.edit_draft(&reviewer("r1"), id, "再改", now).await,
        Err(DeskError::Conflict { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_reviewers_approving_at_once_approve_once() {
    let f = fixture();
    let desk = f.desk();
    let (id, _) = seed_draft(
        &f.store,
        Channel::Wechat,
        "reply:greeting",
        DraftState::Proposed,
        0,
    )
    .await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let desk = desk.clone();
            tokio::spawn(async move { desk.approve_draft(&reviewer(&format!("r{i}")), id).await })
        })
        .collect();
    for task in tasks {
        let draft = task.await.expect("join").expect("every click succeeds");
        assert_eq!(draft.state, DraftState::Approved);
    }
    let approvals = audits(&f.store, &id.to_string(), "draft.approved");
    assert_eq!(approvals.len(), 1, "one approval, one audit entry");
    let stored = desk.draft(id).expect("view").draft;
    assert_eq!(
        stored.approved_by.as_deref(),
        Some(approvals[0].actor.as_str())
    );
    assert_eq!(f.store.drafts_in_state("approved").expect("index").len(), 1);
    tokio::time::timeout(std::time::Duration::from_secs(1), f.wake.notified())
        .await
        .expect("the publisher is woken");
}

#[tokio::test]
async fn approving_refuses_uncertain_and_rejected_and_allows_failed_again() {
    let f = fixture();
    let desk = f.desk();
    let (uncertain, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Uncertain,
        0,
    )
    .await;
    let (rejected, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Rejected {
            reason: "不妥".into(),
        },
        0,
    )
    .await;
    let (failed, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Failed {
            reason: "20019".into(),
        },
        0,
    )
    .await;
    let (sent, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Sent,
        0,
    )
    .await;
    for id in [uncertain, rejected] {
        assert!(matches!(
            desk.approve_draft(&reviewer("r"), id).await,
            Err(DeskError::Conflict { .. })
        ));
    }
    let again = desk
        .approve_draft(&reviewer("r"), failed)
        .await
        .expect("approve a failed draft");
    assert_eq!(
        (again.state, again.attempts, again.last_error),
        (DraftState::Approved, 0, None)
    );
    assert_eq!(
        desk.approve_draft(&reviewer("r"), sent)
            .await
            .expect("sent")
            .state,
        DraftState::Sent
    );
    assert!(audits(&f.store, &sent.to_string(), "draft.approved").is_empty());
    assert!(matches!(
        desk.approve_draft(&reviewer("r"), DraftId(uuid::Uuid::now_v7()))
            .await,
        Err(DeskError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_is_final() {
    let f = fixture();
    let desk = f.desk();
    let (id, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Proposed,
        0,
    )
    .await;
    assert!(matches!(
        desk.reject_draft(&reviewer("r"), id, "  ").await,
        Err(DeskError::Invalid(_))
    ));
    let draft = desk
        .reject_draft(&reviewer("r"), id, "语气不当")
        .await
        .expect("reject");
    assert_eq!(
        draft.state,
        DraftState::Rejected {
            reason: "语气不当".into()
        }
    );
    assert_eq!(
        desk.reject_draft(&reviewer("r"), id, "再拒")
            .await
            .expect("no-op")
            .state,
        draft.state
    );
    let trail = audits(&f.store, &id.to_string(), "draft.rejected");
    assert_eq!(trail.len(), 1);
    assert_eq!(
        trail[0].before,
        Some(serde_json::json!({"state": "proposed"}))
    );
    assert_eq!(
        trail[0].after,
        Some(serde_json::json!({"state": "rejected", "reason": "语气不当"}))
    );
    let (sending, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Sending,
        0,
    )
    .await;
    assert!(matches!(
        desk.reject_draft(&reviewer("r"), sending, "晚了").await,
        Err(DeskError::Conflict { .. })
    ));
}

#[tokio::test]
async fn a_draft_is_reassigned_with_one_audit_entry() {
    let f = fixture();
    let desk = f.desk();
    let (id, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Proposed,
        0,
    )
    .await;
    let draft = desk
        .reassign_draft(&reviewer("lead"), id, Some("carol"))
        .await
        .expect("reassign");
    assert_eq!(draft.assignee.as_deref(), Some("carol"));
    desk.reassign_draft(&reviewer("lead"), id, Some("carol"))
        .await
        .expect("no-op");
    let trail = audits(&f.store, &id.to_string(), "draft.reassigned");
    assert_eq!(trail.len(), 1);
    assert_eq!(
        trail[0].after,
        Some(serde_json::json!({"assignee": "carol"}))
    );
    assert_eq!(
        desk.draft(id).expect("view").draft.assignee.as_deref(),
        Some("carol")
    );
}

#[tokio::test]
async fn an_uncertain_send_is_resolved_by_a_person_never_reapproved_by_itself() {
    let f = fixture();
    let desk = f.desk();
    let (published, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Uncertain,
        0,
    )
    .await;
    let draft = desk
        .resolve_uncertain(&reviewer("r"), published, Resolution::Published)
        .await
        .expect("published");
    assert_eq!(draft.state, DraftState::Sent);
    assert!(draft.sent_at.is_some());
    desk.resolve_uncertain(&reviewer("r"), published, Resolution::Published)
        .await
        .expect("double click");
    assert_eq!(
        audits(&f.store, &published.to_string(), "draft.resolved").len(),
        1
    );

    let (missing, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Uncertain,
        0,
    )
    .await;
    let draft = desk
        .resolve_uncertain(&reviewer("r"), missing, Resolution::NotPublished)
        .await
        .expect("not published");
    assert_eq!(
        draft.state,
        DraftState::Failed {
            reason: NOT_PUBLISHED_REASON.into()
        }
    );
    assert!(
        f.store
            .drafts_in_state("approved")
            .expect("index")
            .is_empty(),
        "not back to approved by itself"
    );
    // A person may approve it again, explicitly.
    let draft = desk
        .approve_draft(&reviewer("r"), missing)
        .await
        .expect("approve again");
    assert_eq!(draft.state, DraftState::Approved);
    let (proposed, _) = seed_draft(
        &f.store,
        Channel::Weibo,
        "reply:greeting",
        DraftState::Proposed,
        0,
    )
    .await;
    assert!(matches!(
        desk.resolve_uncertain(&reviewer("r"), proposed, Resolution::Published)
            .await,
        Err(DeskError::Conflict { .. })
    ));
}

const NOT_PUBLISHED_REASON: &str = crate::desk::drafts::NOT_PUBLISHED;

#[tokio::test]
async fn a_draft_view_shows_what_it_covers_its_incident_and_its_limit() {
    let f = fixture();
    let desk = f.desk();
    let incident = seed_incident(&f.store, "红包领取失败", Utc::now()).await;
    let (id, target) = seed_draft(
        &f.store,
        Channel::Wechat,
        &incident,
        DraftState::Proposed,
        3,
    )
    .await;
    let view = desk.draft(id).expect("view");
    assert_eq!(view.target.map(|m| m.id), Some(target.id));
    assert_eq!(view.covered.len(), 3);
    assert!(view.covered.iter().all(|m| m.id != target.id));
    assert_eq!(view.covered_total, 4);
    assert_eq!(view.incident.map(|t| t.number), Some(incident));
    assert_eq!(view.limit.unit, "bytes");
    assert_eq!(view.limit.used, "您好，已为您加急处理。".len());
    assert_eq!(view.limit.problem, None);
    assert!(matches!(
        desk.draft(DraftId(uuid::Uuid::now_v7())),
        Err(DeskError::NotFound(_))
    ));
}
