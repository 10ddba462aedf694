//! Search by ticket number, order number and author, through the indexes.

use super::*;

fn numbers(results: &SearchResults) -> Vec<String> {
    results.tickets.iter().map(|t| t.number.clone()).collect()
}

#[tokio::test]
async fn tickets_are_found_by_whole_number_or_by_day() {
    let f = fixture();
    let desk = f.desk();
    let a = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "a@x.cn", Utc::now())],
    )
    .await;
    let b = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "b@x.cn", Utc::now())],
    )
    .await;
    let find = |q: &str| {
        desk.search(&SearchQuery {
            q: q.into(),
            kind: Some(SearchKind::Ticket),
            limit: None,
        })
        .expect("search")
    };
    assert_eq!(numbers(&find(&a)), vec![a.clone()]);
    assert_eq!(numbers(&find(&format!("[#{b}]"))), vec![b.clone()]);
    let day = a.get(..9).unwrap_or_default();
    assert_eq!(numbers(&find(day)), vec![a.clone(), b.clone()]);
    assert_eq!(numbers(&find(&day[..8])), vec![a, b]);
    assert!(
        find("2026").tickets.is_empty(),
        "a prefix names at least the day"
    );
}

#[tokio::test]
async fn messages_are_found_by_order_number_and_bring_their_ticket() {
    let f = fixture();
    let desk = f.desk();
    let number = seed_ticket(
        &f.store,
        "email",
        vec![message(Channel::Email, "a@x.cn", Utc::now())],
    )
    .await;
    for q in ["2026112822001400001234", "20261128220014"] {
        let found = desk
            .search(&SearchQuery {
                q: q.into(),
                kind: None,
                limit: None,
            })
            .expect("search");
        assert_eq!(found.messages.len(), 1, "{q}");
        assert_eq!(found.messages[0].matched, SearchKind::Order);
        assert_eq!(found.messages[0].term, "2026112822001400001234");
        assert_eq!(numbers(&found), vec![number.clone()]);
    }
    assert!(
        crate::desk::search::by_order_number(&f.store, "2026112822009", 10)
            .expect("search")
            .is_empty()
    );
}

#[tokio::test]
async fn authors_are_found_by_id_address_or_name_in_any_case() {
    let f = fixture();
    let mut mail = message(Channel::Email, "XiaoMing@Example.cn", Utc::now());
    mail.author.name = Some("王小明".into());
    let number = seed_ticket(&f.store, "email", vec![mail]).await;
    let mut weibo = message(Channel::Weibo, "1987654321", Utc::now());
    weibo.author.name = Some("Alipay粉丝".into());
    seed_ticket(&f.store, "weibo", vec![weibo]).await;
    let hits = |q: &str| crate::desk::search::by_author(&f.store, q, 10).expect("search");
    assert_eq!(hits("xiaoming@").len(), 1);
    assert_eq!(hits("XIAOMING@EXAMPLE.CN").len(), 1);
    assert_eq!(hits("王小").len(), 1);
    assert_eq!(
        hits("王小")[0].message.ticket.as_deref(),
        Some(number.as_str())
    );
    assert_eq!(hits("1987").len(), 1);
    assert_eq!(hits("alipay").len(), 1);
    assert!(hits("李").is_empty());
    assert!(hits("  ").is_empty());
}

#[tokio::test]
async fn a_rewritten_message_is_found_by_its_new_details_only() {
    let f = fixture();
    let original = message(Channel::Weibo, "1987654321", Utc::now());
    let id = original.id;
    seed_ticket(&f.store, "weibo", vec![original]).await;
    let mut changed = f.store.message(id).expect("read").expect("stored");
    changed.details.order_numbers = vec!["99990000111122223333".into()];
    changed.author.name = Some("新名字".into());
    let mut tx = f.store.begin().await;
    tx.update_message(&changed).expect("update");
    tx.commit().await.expect("commit");
    assert!(
        crate::desk::search::by_order_number(&f.store, "2026112822001400001234", 10)
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        crate::desk::search::by_order_number(&f.store, "9999", 10)
            .expect("search")
            .len(),
        1
    );
    assert!(
        crate::desk::search::by_author(&f.store, "王小明", 10)
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        crate::desk::search::by_author(&f.store, "新名", 10)
            .expect("search")
            .len(),
        1
    );
    assert_eq!(
        crate::desk::search::by_author(&f.store, "1987654321", 10)
            .expect("search")
            .len(),
        1
    );
}
