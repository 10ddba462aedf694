//! The source alone, between a real Dovecot and the real pipeline and
//! store, with a tap on the envelopes: it shows what the HTTP API does not
//! (whether an envelope was `historical`, whether a mail was sent twice).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use omnilisten::app::{open_store, pipeline_options};
use omnilisten::config::ConnectorKind;
use omnilisten::connectors::imap::ImapSource;
use omnilisten::connectors::{ConnectorState, Envelope, SourceContext, StatusBoard};
use omnilisten::metrics::Metrics;
use omnilisten::model::ConnectorId;
use omnilisten::pipeline::Pipeline;
use omnilisten::store::Store;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::support::Tree;

/// A running source with a tap.
pub struct Tapped {
    pub store: Store,
    /// (origin, historical) of every envelope the source sent, in order.
    pub seen: Arc<Mutex<Vec<(String, bool)>>>,
    id: ConnectorId,
    status: StatusBoard,
    stop: CancellationToken,
    source: JoinHandle<()>,
    tap: JoinHandle<()>,
    pipeline: Pipeline,
}

impl Tapped {
    /// Starts connector `id` of the tree.
    pub async fn start(tree: &Tree, id: &str) -> Tapped {
        let config = omnilisten::config::load(&tree.config()).unwrap_or_else(|p| panic!("{p}"));
        let connector = config
            .connectors
            .iter()
            .find(|c| c.id.0 == id)
            .expect("connector");
        let ConnectorKind::Imap(imap) = connector.kind.clone() else {
            panic!("{id} is not an imap connector");
        };
        let store = open_store(&config).await.expect("store");
        let pipeline = Pipeline::spawn(
            store.clone(),
            Arc::new(config.rules.clone()),
            Metrics::new(),
            pipeline_options(&config),
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (tap_tx, mut tap_rx) = mpsc::channel::<Envelope>(64);
        let (out, record) = (pipeline.sender(), seen.clone());
        let tap = tokio::spawn(async move {
            while let Some(envelope) = tap_rx.recv().await {
                let entry = (envelope.origin.clone(), envelope.historical);
                record.lock().expect("tap lock").push(entry);
                if out.send(envelope).await.is_err() {
                    break;
                }
            }
        });
        let (stop, status) = (CancellationToken::new(), StatusBoard::default());
        let ctx = SourceContext {
            id: connector.id.clone(),
            out: tap_tx,
            store: store.clone(),
            shutdown: stop.clone(),
            status: status.clone(),
        };
        let source = tokio::spawn(async move {
            ImapSource::new(imap)
                .run(ctx)
                .await
                .expect("source ends cleanly");
        });
        Tapped {
            store,
            seen,
            id: connector.id.clone(),
            status,
            stop,
            source,
            tap,
            pipeline,
        }
    }

    /// What the tap saw so far.
    pub fn seen(&self) -> Vec<(String, bool)> {
        self.seen.lock().expect("tap lock").clone()
    }

    /// Waits until the store holds `n` messages; returns what the tap saw.
    pub async fn wait_stored(&self, n: u64, timeout: Duration) -> Vec<(String, bool)> {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.store.stats().messages.total < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {n} stored; tap: {:?}",
                self.store.stats().messages.total,
                self.seen().len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.seen()
    }

    /// Waits until a sync has finished and the source waits for news.
    pub async fn wait_idle(&self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let state = self.status.snapshot().get(&self.id.0).map(|s| s.state);
            if state == Some(ConnectorState::Idle) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never idle: {state:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the source as the daemon does: source first, then the pipeline.
    pub async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.source)
            .await
            .expect("source stops within 10 s")
            .expect("source task");
        self.tap.await.expect("tap task");
        self.pipeline.close().await;
        self.store.flush().await.expect("flush");
    }
}
