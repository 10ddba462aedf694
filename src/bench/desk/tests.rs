//! The bench path on a tiny store, so it cannot rot: every page and call
//! answers as expected (status and content), approvals through the form
//! included, and the table names them all.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_desk_page_answers_on_a_tiny_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = DeskHttpBenchArgs {
        tickets: 300,
        drafts: 50,
        samples: 5,
        clients: 2,
        seconds: 0.3,
        dir: Some(dir.path().join("bench")),
    };
    let report = run(&args).await.expect("bench desk runs");
    let text = report.to_string();
    assert!(report.passed(), "{text}");
    for wanted in [
        "GET /drafts?state=proposed,edited,uncertain",
        "GET /drafts?state=all",
        "GET /drafts/{id}",
        "GET /tickets (no filter)",
        "GET /tickets (state=open priority=high queue=email)",
        "GET /tickets (assignee=agent07)",
        "by cursor)",
        "GET /tickets/{n} (600 messages)",
        "GET /incidents ",
        "GET /incidents/{n}",
        "GET /api/desk/incidents ",
        "GET /api/desk/incidents/{n}",
        "GET /search?q=<order number>",
        "GET /api/desk/search?q=<author name>",
        "GET /api/desk/tickets/{n} (long)",
        "POST /drafts/{id}/approve",
        "GET /tickets × 2 clients",
        "GET /drafts × 2 clients",
    ] {
        assert!(text.contains(wanted), "no line {wanted:?} in\n{text}");
    }
    let rows = report.p95s();
    assert!(rows.len() >= 30, "{text}");
    assert!(
        !dir.path().join("bench").exists(),
        "the scratch directory is removed"
    );
}
