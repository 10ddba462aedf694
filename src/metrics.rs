//! The Prometheus registry. One per daemon instance (not a global recorder),
//! so tests can run several daemons in one process.

use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// Every metric omnilisten exports.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Messages stored, by channel.
    pub ingested: Family<Labels, Counter>,
    /// Inputs recognised as already stored, by channel.
    pub duplicates: Family<Labels, Counter>,
    /// Messages linked to a near-identical earlier message.
    pub near_duplicates: Counter,
    /// Inputs quarantined, by connector.
    pub quarantined: Family<Labels, Counter>,
    /// Tickets opened.
    pub tickets_opened: Counter,
    /// Messages that joined an existing ticket.
    pub tickets_joined: Counter,
    /// Envelopes waiting in each pipeline stage's queue.
    pub queue_depth: Family<Labels, Gauge>,
    /// Seconds from batch start to durable.
    pub commit_seconds: Histogram,
    /// Seconds spent in flush + fsync per commit.
    pub sync_seconds: Histogram,
    /// Inputs per committed batch.
    pub batch_size: Histogram,
    /// Failed commits.
    pub commit_failures: Counter,
    /// Acknowledgements enqueued.
    pub acknowledgements_queued: Counter,
    /// New tickets not acknowledged, by reason (`auto_reply`, `over_cap`, ...).
    pub acknowledgements_skipped: Family<Labels, Counter>,
    /// Outgoing mail accepted by the SMTP server.
    pub outbox_sent: Counter,
    /// Outgoing mail refused for good or given up.
    pub outbox_failed: Counter,
    /// Temporary failures that will be retried.
    pub outbox_retries: Counter,
    /// Outbox entries by state (`pending`, `sending`, `uncertain`, `failed`).
    pub outbox_entries: Family<Labels, Gauge>,
    /// WeChat webhook requests refused, by reason (`signature`, `timestamp`, ...).
    pub wechat_rejected: Family<Labels, Counter>,
    /// Draft publication outcomes, by channel and outcome (`sent`, `failed`, `uncertain`, `retry`).
    pub drafts_published: Family<Labels, Counter>,
    /// WeChat media downloads, by outcome (`stored`, `too_large`, `failed`, `retry`).
    pub media_downloads: Family<Labels, Counter>,
    /// Weibo API calls, by connector, endpoint and outcome (`ok`, `rate_limited`, `auth`, `transient`, `permanent`).
    pub weibo_requests: Family<Labels, Counter>,
    /// 1 while a connector's credentials are refused (it waits for new ones), by connector.
    pub connector_auth_failed: Family<Labels, Gauge>,
    /// Scheduled job runs, by job (`digest`, `sweep`) and outcome (`ok`, `failed`, `skipped`).
    pub job_runs: Family<Labels, Counter>,
    /// Records removed by the store sweep, by kind (`conversation`, `ack_window`, ...).
    pub swept: Family<Labels, Counter>,
}

fn labels(key: &'static str, value: &str) -> Labels {
    vec![(key, value.to_string())]
}

impl Metrics {
    /// Registers every metric in a fresh registry.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("omnilisten");
        let m = Metrics {
            registry: Arc::new(Registry::default()),
            ingested: Family::default(),
            duplicates: Family::default(),
            near_duplicates: Counter::default(),
            quarantined: Family::default(),
            tickets_opened: Counter::default(),
            tickets_joined: Counter::default(),
            queue_depth: Family::default(),
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            sync_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 14)),
            commit_failures: Counter::default(),
            acknowledgements_queued: Counter::default(),
            acknowledgements_skipped: Family::default(),
            outbox_sent: Counter::default(),
            outbox_failed: Counter::default(),
            outbox_retries: Counter::default(),
            outbox_entries: Family::default(),
            wechat_rejected: Family::default(),
            drafts_published: Family::default(),
            media_downloads: Family::default(),
            weibo_requests: Family::default(),
            connector_auth_failed: Family::default(),
            job_runs: Family::default(),
            swept: Family::default(),
        };
        registry.register("messages_ingested", "Messages stored", m.ingested.clone());
        registry.register(
            "duplicates",
            "Inputs recognised as already stored",
            m.duplicates.clone(),
        );
        registry.register(
            "near_duplicates",
            "Messages linked to a near-identical earlier message",
            m.near_duplicates.clone(),
        );
        registry.register(
            "quarantined",
            "Inputs that could not be parsed",
            m.quarantined.clone(),
        );
        registry.register("tickets_opened", "Tickets opened", m.tickets_opened.clone());
        registry.register(
            "tickets_joined",
            "Messages that joined an existing ticket",
            m.tickets_joined.clone(),
        );
        registry.register(
            "queue_depth",
            "Envelopes waiting in a pipeline stage",
            m.queue_depth.clone(),
        );
        registry.register(
            "store_commit_seconds",
            "Time from batch start until durable",
            m.commit_seconds.clone(),
        );
        registry.register(
            "store_sync_seconds",
            "Time spent in flush and fsync per commit",
            m.sync_seconds.clone(),
        );
        registry.register(
            "store_batch_size",
            "Inputs per committed batch",
            m.batch_size.clone(),
        );
        registry.register(
            "store_commit_failures",
            "Commits that failed",
            m.commit_failures.clone(),
        );
        register_outbox(&mut registry, &m);
        registry.register(
            "job_runs",
            "Scheduled job runs, by job and outcome",
            m.job_runs.clone(),
        );
        registry.register(
            "swept",
            "Records removed by the store sweep, by kind",
            m.swept.clone(),
        );
        registry.register(
            "wechat_rejected",
            "WeChat webhook requests refused, by reason",
            m.wechat_rejected.clone(),
        );
        registry.register(
            "drafts_published",
            "Draft publication outcomes, by channel and outcome",
            m.drafts_published.clone(),
        );
        registry.register(
            "media_downloads",
            "WeChat media downloads, by outcome",
            m.media_downloads.clone(),
        );
        registry.register(
            "weibo_requests",
            "Weibo API calls by connector, endpoint and outcome",
            m.weibo_requests.clone(),
        );
        registry.register(
            "connector_auth_failed",
            "1 while a connector's credentials are refused",
            m.connector_auth_failed.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            ..m
        }
    }

    /// Counts a stored message.
    pub fn count_ingested(&self, channel: &str) {
        self.ingested
            .get_or_create(&labels("channel", channel))
            .inc();
    }

    /// Counts a duplicate.
    pub fn count_duplicate(&self, channel: &str) {
        self.duplicates
            .get_or_create(&labels("channel", channel))
            .inc();
    }

    /// Counts one Weibo API call.
    pub fn count_weibo_request(&self, connector: &str, endpoint: &str, outcome: &str) {
        self.weibo_requests
            .get_or_create(&vec![
                ("connector", connector.to_string()),
                ("endpoint", endpoint.to_string()),
                ("outcome", outcome.to_string()),
            ])
            .inc();
    }

    /// Shows whether a connector's credentials are refused.
    pub fn set_auth_failed(&self, connector: &str, failed: bool) {
        self.connector_auth_failed
            .get_or_create(&labels("connector", connector))
            .set(i64::from(failed));
    }

    /// Counts one draft publication outcome.
    pub fn count_draft_published(&self, channel: &str, outcome: &str) {
        self.drafts_published
            .get_or_create(&vec![
                ("channel", channel.to_string()),
                ("outcome", outcome.to_string()),
            ])
            .inc();
    }

    /// Counts one media download outcome.
    pub fn count_media_download(&self, outcome: &str) {
        self.media_downloads
            .get_or_create(&labels("outcome", outcome))
            .inc();
    }

    /// Counts one run (or skipped tick) of a scheduled job.
    pub fn count_job_run(&self, job: &str, outcome: &str) {
        self.job_runs
            .get_or_create(&vec![
                ("job", job.to_string()),
                ("outcome", outcome.to_string()),
            ])
            .inc();
    }

    /// Counts records the store sweep removed.
    pub fn count_swept(&self, kind: &str, n: u64) {
        self.swept.get_or_create(&labels("kind", kind)).inc_by(n);
    }

    /// Counts a refused WeChat webhook request.
    pub fn count_wechat_rejected(&self, reason: &str) {
        self.wechat_rejected
            .get_or_create(&labels("reason", reason))
            .inc();
    }

    /// Counts a quarantined input.
    pub fn count_quarantined(&self, connector: &str) {
        self.quarantined
            .get_or_create(&labels("connector", connector))
            .inc();
    }

    /// Sets a stage's queue depth.
    pub fn set_queue_depth(&self, stage: &str, depth: usize) {
        self.queue_depth
            .get_or_create(&labels("stage", stage))
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    /// Counts a new ticket that got no acknowledgement.
    pub fn count_ack_skipped(&self, reason: &str) {
        self.acknowledgements_skipped
            .get_or_create(&labels("reason", reason))
            .inc();
    }

    /// Sets how many outbox entries are in `state`.
    pub fn set_outbox_entries(&self, state: &str, n: u64) {
        self.outbox_entries
            .get_or_create(&labels("state", state))
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

fn register_outbox(registry: &mut Registry, m: &Metrics) {
    registry.register(
        "acknowledgements_queued",
        "Acknowledgements of new tickets enqueued",
        m.acknowledgements_queued.clone(),
    );
    registry.register(
        "acknowledgements_skipped",
        "New tickets not acknowledged, by reason",
        m.acknowledgements_skipped.clone(),
    );
    registry.register(
        "outbox_sent",
        "Outgoing mail accepted by the SMTP server",
        m.outbox_sent.clone(),
    );
    registry.register(
        "outbox_failed",
        "Outgoing mail refused for good or given up",
        m.outbox_failed.clone(),
    );
    registry.register(
        "outbox_retries",
        "Outgoing mail attempts that failed temporarily",
        m.outbox_retries.clone(),
    );
    registry.register(
        "outbox_entries",
        "Outbox entries by state; uncertain ones need a person",
        m.outbox_entries.clone(),
    );
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
