//! The Weibo poller: one task per endpoint, sharing the connector's token
//! and call budget.
//!
//! Each poll walks newest-first pages down to what is stored
//! ([`cursor::CursorState`]); a page's items are handed to the pipeline,
//! and only once all of them are durable is the cursor written. Between
//! polls a task waits the configured interval, or longer when the budget
//! would not stretch over the hour, with ±10 % jitter. Weibo's answers
//! decide the rest: a rate limit waits for the reset Weibo announces, a
//! server or network failure backs off exponentially, a refused token
//! parks the connector in `auth_failed` until the token file holds a new
//! token, and a permission or parameter error is shown and retried hourly.

pub mod cursor;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use tokio::sync::oneshot;

use self::cursor::{CursorState, PageSeen, Step};
use super::api::{ApiError, WeiboApi, backoff};
use super::endpoint::Endpoint;
use super::item::ItemKind;
use super::page::RawItem;
use crate::clock::SharedClock;
use crate::config::WeiboConfig;
use crate::connectors::{
    AckResult, ConnectorState, Envelope, NotStored, Payload, SourceContext, SourceError,
};
use crate::metrics::Metrics;
use crate::model::Channel;

/// How often a connector whose token was refused looks for a new one.
const TOKEN_RECHECK: Duration = Duration::from_secs(10);
/// How long a permission or parameter error waits before trying again.
const PERMANENT_RETRY: Duration = Duration::from_secs(3600);
/// The share of the budget regular polls may use; the rest is for the
/// extra pages of bursts and for publishing replies.
const POLL_SHARE: f64 = 0.8;

/// A Weibo connector's polling side.
pub struct WeiboSource {
    config: WeiboConfig,
    api: WeiboApi,
    clock: SharedClock,
    metrics: Metrics,
}

/// Why a poll stopped before its walk was complete.
#[derive(Debug)]
enum PollError {
    /// Weibo or the network said no.
    Api(ApiError),
    /// The pipeline did not make an item durable (or is gone).
    NotStored(String),
    /// Shutdown was requested.
    Stopped,
}

impl WeiboSource {
    /// A poller for `config`, calling Weibo through `api`.
    pub fn new(config: WeiboConfig, api: WeiboApi, clock: SharedClock, metrics: Metrics) -> Self {
        WeiboSource {
            config,
            api,
            clock,
            metrics,
        }
    }

    /// Polls every configured endpoint until shutdown.
    pub async fn run(self, ctx: SourceContext) -> Result<(), SourceError> {
        let this = Arc::new(self);
        this.learn_remaining_budget(&ctx).await;
        let endpoints = this.config.endpoints.clone();
        let count = endpoints.len();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, endpoint) in endpoints.into_iter().enumerate() {
            let this = this.clone();
            let ctx = ctx.clone();
            // Staggered, so the endpoints' calls spread over the interval.
            let stagger = this.spacing().mul_f64(i as f64 / count.max(1) as f64);
            tasks.spawn(async move { this.poll_endpoint(endpoint, stagger, ctx).await });
        }
        while tasks.join_next().await.is_some() {}
        ctx.status.set_state(&ctx.id, ConnectorState::Stopped, None);
        Ok(())
    }

    /// Asks Weibo how much of its window is left, so a restart does not
    /// spend again what the previous run spent this hour.
    async fn learn_remaining_budget(&self, ctx: &SourceContext) {
        let status = tokio::select! {
            status = self.api.rate_limit_status() => status,
            () = ctx.shutdown.cancelled() => return,
        };
        match status {
            Ok(status) if status.remaining_user_hits.is_some_and(|n| n <= 0) => {
                let wait = status
                    .reset_in
                    .unwrap_or_else(|| until_next_hour(self.clock.now()));
                self.api
                    .budget()
                    .block_until(self.clock.now() + to_chrono(wait));
                tracing::warn!(connector = %ctx.id, reset_in_s = wait.as_secs(), "Weibo rate limit exhausted at start; waiting for the reset.");
            }
            Ok(_) => {}
            Err(e) => {
                tracing::info!(connector = %ctx.id, error = %e, "Weibo rate limit status not available; relying on the configured budget.");
            }
        }
    }

    /// The steady time between two polls of one endpoint.
    fn spacing(&self) -> Duration {
        let by_budget = self
            .api
            .budget()
            .poll_spacing(self.config.endpoints.len(), POLL_SHARE);
        self.config.poll_interval.max(by_budget)
    }

    async fn poll_endpoint(&self, endpoint: Endpoint, stagger: Duration, ctx: SourceContext) {
        if !self.sleep(stagger, &ctx).await {
            return;
        }
        let mut failures: u32 = 0;
        loop {
            let wait = match self.poll_once(&endpoint, &ctx).await {
                Ok(stored) => {
                    failures = 0;
                    self.metrics.set_auth_failed(&ctx.id.0, false);
                    ctx.status.set_state(&ctx.id, ConnectorState::Idle, None);
                    if stored > 0 {
                        ctx.status.record_success(&ctx.id, stored);
                    }
                    ctx.status.set_lag(&ctx.id, endpoint.kind.name(), 0);
                    jittered(self.spacing(), 0.1)
                }
                Err(PollError::Stopped) => return,
                Err(PollError::NotStored(detail)) => {
                    failures += 1;
                    let text = format!("{}: items not stored: {detail}", endpoint.kind);
                    ctx.status
                        .set_state(&ctx.id, ConnectorState::BackingOff, Some(text));
                    backoff(failures, unit_random())
                }
                Err(PollError::Api(ApiError::RateLimited { code })) => {
                    self.wait_for_reset(code, &endpoint, &ctx).await
                }
                Err(PollError::Api(ApiError::Auth { code, message })) => {
                    if !self.wait_for_new_token(code, &message, &ctx).await {
                        return;
                    }
                    Duration::ZERO
                }
                Err(PollError::Api(ApiError::Transient(detail))) => {
                    failures += 1;
                    let wait = backoff(failures, unit_random());
                    tracing::warn!(connector = %ctx.id, endpoint = %endpoint.kind, error = %detail, retry_in_s = wait.as_secs(), "Weibo call failed; backing off.");
                    let text = format!("{}: {detail}", endpoint.kind);
                    ctx.status
                        .set_state(&ctx.id, ConnectorState::BackingOff, Some(text));
                    wait
                }
                Err(PollError::Api(e @ ApiError::Permanent { .. })) => {
                    tracing::error!(connector = %ctx.id, endpoint = %endpoint.kind, error = %e, "Weibo refused the endpoint; check the app's permissions and the path. Retrying in an hour.");
                    let text = format!("{}: {e}", endpoint.kind);
                    ctx.status
                        .set_state(&ctx.id, ConnectorState::Failed, Some(text));
                    PERMANENT_RETRY
                }
            };
            if !self.sleep(wait, &ctx).await {
                return;
            }
        }
    }

    /// One walk, from where the cursor stands to the newest item. Returns
    /// how many new messages were stored.
    async fn poll_once(&self, endpoint: &Endpoint, ctx: &SourceContext) -> Result<u64, PollError> {
        let name = endpoint.kind.name();
        let mut cursor = match ctx.store.cursor(&ctx.id.0, name) {
            Ok(Some(bytes)) => CursorState::decode(&bytes).unwrap_or_else(|| {
                tracing::warn!(connector = %ctx.id, endpoint = name, "Unreadable Weibo cursor; reading the timeline again (stored items are not stored twice).");
                CursorState::default()
            }),
            Ok(None) => CursorState::default(),
            Err(e) => return Err(PollError::NotStored(e.to_string())),
        };
        let (overlap, count) = (self.config.overlap, self.config.count);
        let mut stored = 0;
        loop {
            if ctx.shutdown.is_cancelled() {
                return Err(PollError::Stopped);
            }
            let query = cursor.query(overlap, count);
            let page = tokio::select! {
                page = self.api.page(endpoint, query) => page.map_err(PollError::Api)?,
                () = ctx.shutdown.cancelled() => return Err(PollError::Stopped),
            };
            let seen = PageSeen {
                ids: page.items.iter().filter_map(|i| i.id).collect(),
                len: page.items.len(),
                total_number: page.total_number,
                next_cursor: page.next_cursor,
            };
            stored += self.store_items(page.items, endpoint, ctx).await?;
            let step = cursor.after_page(&seen, overlap, count);
            self.save_cursor(ctx, name, &cursor).await?;
            if let Some(walk) = &cursor.walk {
                let waiting = walk.expected.map_or(0, |n| n.saturating_sub(walk.fetched));
                ctx.status.set_lag(&ctx.id, name, waiting);
            }
            if step == Step::Done {
                return Ok(stored);
            }
        }
    }

    /// Hands a page's items not yet stored to the pipeline, oldest first,
    /// and waits until every one is durable.
    async fn store_items(
        &self,
        mut items: Vec<RawItem>,
        endpoint: &Endpoint,
        ctx: &SourceContext,
    ) -> Result<u64, PollError> {
        items.sort_by_key(|item| item.id);
        let mut acks = Vec::with_capacity(items.len());
        for item in items {
            if let Some(id) = item.id {
                let native = native_id(item.kind, id);
                if matches!(ctx.store.find_native(Channel::Weibo, &native), Ok(Some(_))) {
                    continue;
                }
            }
            let (tx, rx) = oneshot::channel();
            let origin = match item.id {
                Some(id) => format!("{}#{id}", endpoint.kind),
                None => format!("{}#unreadable-id", endpoint.kind),
            };
            let envelope = Envelope {
                connector: ctx.id.clone(),
                origin,
                payload: Payload::Weibo(item.raw),
                received_at: self.clock.now(),
                checkpoint: None,
                historical: false,
                ack: Some(tx),
            };
            if ctx.out.send(envelope).await.is_err() {
                return Err(PollError::NotStored("the pipeline is closed".into()));
            }
            acks.push(rx);
        }
        let mut stored = 0;
        for rx in acks {
            let result: Result<AckResult, _> = rx.await;
            match result {
                Ok(Ok(crate::connectors::Outcome::Stored(_))) => stored += 1,
                Ok(Ok(_)) => {}
                Ok(Err(NotStored(detail))) => return Err(PollError::NotStored(detail)),
                Err(_) => return Err(PollError::NotStored("the pipeline dropped an item".into())),
            }
        }
        Ok(stored)
    }

    /// Writes the cursor once the page it covers is durable.
    async fn save_cursor(
        &self,
        ctx: &SourceContext,
        name: &str,
        cursor: &CursorState,
    ) -> Result<(), PollError> {
        let mut tx = ctx.store.begin().await;
        tx.set_cursor(&ctx.id.0, name, &cursor.encode());
        tx.commit()
            .await
            .map(|_| ())
            .map_err(|e| PollError::NotStored(e.to_string()))
    }

    /// After 10022–10024: asks when the window resets (once for all
    /// endpoints) and blocks the budget until then.
    async fn wait_for_reset(
        &self,
        code: i64,
        endpoint: &Endpoint,
        ctx: &SourceContext,
    ) -> Duration {
        let now = self.clock.now();
        let until = match self.api.budget().blocked_until() {
            Some(until) => until,
            None => {
                let status = tokio::select! {
                    status = self.api.rate_limit_status() => status.ok(),
                    () = ctx.shutdown.cancelled() => None,
                };
                let reset = status.and_then(|s| s.reset_in);
                let wait = reset
                    .filter(|d| !d.is_zero() && *d <= Duration::from_secs(3600))
                    .unwrap_or_else(|| until_next_hour(now));
                // A little past the reset, so the first call lands in the new window.
                let until =
                    self.clock.now() + to_chrono(wait + jittered(Duration::from_secs(5), 1.0));
                self.api.budget().block_until(until);
                until
            }
        };
        let text = format!(
            "{}: Weibo rate limit reached (error {code}); waiting for the reset at {}",
            endpoint.kind,
            until.format("%H:%M:%S UTC")
        );
        tracing::warn!(connector = %ctx.id, "{text}");
        ctx.status
            .set_state(&ctx.id, ConnectorState::BackingOff, Some(text));
        // The budget holds the next call until then; the loop just goes on.
        Duration::ZERO
    }

    /// Parks the connector until a token other than the refused one can be
    /// read. False on shutdown.
    async fn wait_for_new_token(&self, code: i64, message: &str, ctx: &SourceContext) -> bool {
        let text = if code == 0 {
            message.to_string()
        } else {
            format!(
                "Weibo refused the access token (error {code}); put a new token in {}",
                self.config.access_token
            )
        };
        tracing::error!(connector = %ctx.id, "{text}");
        ctx.status
            .set_state(&ctx.id, ConnectorState::AuthFailed, Some(text));
        self.metrics.set_auth_failed(&ctx.id.0, true);
        loop {
            if self.api.token().get().is_ok() {
                tracing::info!(connector = %ctx.id, "A new Weibo access token was found; resuming.");
                ctx.status.set_state(&ctx.id, ConnectorState::Running, None);
                self.metrics.set_auth_failed(&ctx.id.0, false);
                return true;
            }
            if !self.sleep(TOKEN_RECHECK, ctx).await {
                return false;
            }
        }
    }

    /// Sleeps on the connector's clock; false when shutdown came first.
    async fn sleep(&self, duration: Duration, ctx: &SourceContext) -> bool {
        if duration.is_zero() {
            return !ctx.shutdown.is_cancelled();
        }
        tokio::select! {
            () = self.clock.sleep(duration) => true,
            () = ctx.shutdown.cancelled() => false,
        }
    }
}

/// The native id the pipeline stores an item under.
pub fn native_id(kind: ItemKind, id: i64) -> String {
    match kind {
        ItemKind::Status => format!("status:{id}"),
        ItemKind::Comment => format!("comment:{id}"),
    }
}

/// Time to the next top of the hour, when Weibo's windows reset.
fn until_next_hour(now: DateTime<Utc>) -> Duration {
    let into_hour = u64::from(now.minute()) * 60 + u64::from(now.second());
    Duration::from_secs(3600 - into_hour.min(3599))
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(1))
}

/// `base` ± `spread` (a fraction), drawn fresh each time.
fn jittered(base: Duration, spread: f64) -> Duration {
    base.mul_f64((1.0 - spread + 2.0 * spread * unit_random()).max(0.0))
}

/// A number in [0, 1) from the OS, for jitter only.
fn unit_random() -> f64 {
    let bits = getrandom::u64().unwrap_or(0x9E37_79B9_7F4A_7C15);
    (bits >> 11) as f64 / (1u64 << 53) as f64
}
