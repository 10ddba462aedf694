//! Wiring: open the store, start the pipeline, the sources and the HTTP
//! server, and shut them down in order.
//!
//! Shutdown order matters for "nothing lost": first the HTTP server and the
//! sources stop taking input (sources still await the acks of what they sent),
//! then the pipeline drains its queues into the store, then the store is
//! flushed. Anything not acknowledged by then is still at its source and is
//! read again on the next start.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::{self, SharedClock};
use crate::config::{Config, ConnectorKind, Durability};
use crate::connectors::imap::ImapSource;
use crate::connectors::maildir::MaildirSource;
use crate::connectors::wechat::api::{self as wechat_api, StoreTokenCache, WechatApi};
use crate::connectors::weibo::api::{self as weibo_api, WeiboApi};
use crate::connectors::weibo::poll::WeiboSource;
use crate::connectors::{ConnectorState, SourceContext, StatusBoard};
use crate::jobs::{self, JobDeps};
use crate::media::MediaFetcher;
use crate::metrics::Metrics;
use crate::outbound::Outbound;
use crate::pipeline::{Limits, NearSettings, Pipeline, PipelineOptions};
use crate::publish::{DraftPublisher, Publishers, WechatPublisher, WeiboPublisher};
use crate::rules::{LiveRules, RulesWatcher};
use crate::store::{Store, StoreError, StoreOptions};
use crate::web::{
    AppState, WechatEndpoint, WechatEndpoints, WeiboEndpoint, WeiboEndpoints, router,
};

/// How long shutdown may take before the process gives up waiting.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(9);

/// Errors that stop the daemon.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// Address from `[server] listen`.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Opens the store as configured (waiting, like every open, for a lock
/// being let go of: [`crate::store::LOCK_WAIT`]).
pub async fn open_store(config: &Config) -> Result<Store, StoreError> {
    let path = config.store.path.clone();
    let options = StoreOptions {
        cache_capacity: config.store.cache_capacity_mb * 1024 * 1024,
        fsync: matches!(config.store.durability, Durability::Fsync),
    };
    tokio::task::spawn_blocking(move || Store::open(&path, options))
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?
}

/// Pipeline options derived from the config.
pub fn pipeline_options(config: &Config) -> PipelineOptions {
    let max_message_bytes = config
        .connectors
        .iter()
        .map(|c| c.kind.max_message_bytes())
        .max()
        .unwrap_or(25 * 1024 * 1024);
    PipelineOptions {
        queue_capacity: config.pipeline.queue_capacity,
        batch_max: config.pipeline.batch_max,
        limits: Limits {
            max_message_bytes,
            max_attachment_bytes: config.store.max_attachment_bytes,
        },
        keep_raw: config.store.keep_raw,
        near: NearSettings {
            capacity: config.dedup.near_capacity,
            threshold: config.dedup.near_threshold,
        },
        trends: Default::default(),
    }
}

/// Runs the daemon until `shutdown` resolves. `bound` learns the HTTP
/// address once listening (tests bind port 0).
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()>,
    bound: Option<oneshot::Sender<SocketAddr>>,
) -> Result<(), AppError> {
    run_with_clock(config, shutdown, bound, clock::system()).await
}

/// [`run`] with the clock the pollers schedule by (a manual one in tests,
/// so hours of rate-limited polling pass in milliseconds).
pub async fn run_with_clock(
    config: Config,
    shutdown: impl Future<Output = ()>,
    bound: Option<oneshot::Sender<SocketAddr>>,
    clock: SharedClock,
) -> Result<(), AppError> {
    let store = open_store(&config).await?;
    let metrics = Metrics::new();
    let status = StatusBoard::default();
    // The outbox sender stops with everything else; it gets its own token
    // because it starts before the pipeline that feeds it.
    let outbound_stop = CancellationToken::new();
    let outbound = Outbound::start(&config, &store, &metrics, &outbound_stop);
    let rules = LiveRules::new(config.rules.clone());
    let options = pipeline_options(&config);
    let trends = options.trends.clone();
    let pipeline = Pipeline::spawn_with(
        store.clone(),
        rules.clone(),
        metrics.clone(),
        options,
        outbound.acknowledger.clone(),
    );
    let listener = TcpListener::bind(config.server.listen)
        .await
        .map_err(|source| AppError::Listen {
            addr: config.server.listen,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(config.server.listen);
    tracing::info!(listen = %addr, store = %config.store.path.display(), connectors = config.connectors.len(), "Omnilisten started.");
    if let Some(bound) = bound {
        let _ = bound.send(addr);
    }

    let stop = CancellationToken::new();
    let sources = TaskTracker::new();
    let weibo_apis = weibo_apis(&config, &metrics, &clock);
    let (wechat, weibo) = start_sources(
        &config,
        &SourceDeps {
            store: &store,
            pipeline: &pipeline,
            status: &status,
            stop: &stop,
            tracker: &sources,
            weibo_apis: &weibo_apis,
            clock: &clock,
            metrics: &metrics,
            rules: &rules,
        },
    );
    sources.close();
    let background = TaskTracker::new();
    // One wake-up for the draft publisher: the desk rings it on approval.
    let publish_wake = Arc::new(Notify::new());
    start_channel_apis(
        &config,
        &store,
        &metrics,
        &outbound_stop,
        &background,
        &weibo_apis,
        &publish_wake,
    );
    let mut desk = crate::desk::Desk::new(store.clone(), publish_wake);
    if let Some(smtp) = &config.smtp {
        desk = desk.with_mail(crate::desk::ReplyMail {
            message_id_domain: smtp.message_id_domain.clone(),
            wake: None,
        });
    }
    // SIGHUP rereads the rules and the accounts; each has its own wake-up.
    let rules_hangup = Arc::new(Notify::new());
    let accounts_hangup = Arc::new(Notify::new());
    forward_sighup(
        vec![rules_hangup.clone(), accounts_hangup.clone()],
        outbound_stop.clone(),
    );
    let watcher = RulesWatcher::new(
        &config.base_dir,
        config.connectors.iter().map(|c| c.id.clone()).collect(),
        rules.clone(),
        rules_hangup,
    );
    background.spawn(watcher.run(outbound_stop.clone()));
    let auth = Arc::new(crate::auth::Auth::from_config(&config.auth));
    background.spawn(crate::auth::reload_on_hangup(
        auth.clone(),
        config.config_path.clone(),
        accounts_hangup,
        outbound_stop.clone(),
    ));
    background.close();

    let job_deps = JobDeps {
        store: store.clone(),
        trends: trends.clone(),
        metrics: metrics.clone(),
        clock: clock.clone(),
    };
    let state = AppState {
        store: store.clone(),
        metrics,
        status,
        started: Instant::now(),
        wechat,
        weibo,
        rules,
        trends,
        auth,
        desk,
    };
    let web_stop = stop.clone();
    let web = tokio::spawn(async move {
        // The peer address feeds the login limits and the audit log.
        let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(listener, app)
            .with_graceful_shutdown(async move { web_stop.cancelled().await });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "HTTP server failed.");
        }
    });

    // Started last, so a job's first run sees a running daemon; it stops
    // with the sources (`stop`) and is waited for before the final flush.
    let scheduled = match jobs::start(&config.jobs, job_deps, stop.clone()).await {
        Ok(scheduled) => Some(scheduled),
        Err(e) => {
            tracing::error!(error = %e, "Scheduled jobs not started.");
            None
        }
    };

    shutdown.await;
    tracing::info!("Shutting down: no new input; draining.");
    stop.cancel();
    outbound_stop.cancel();
    let drained = tokio::time::timeout(SHUTDOWN_DEADLINE, async {
        sources.wait().await;
        // In-flight webhooks get their acks first; the server's state holds
        // pipeline senders, which must be gone before the pipeline closes.
        let _ = web.await;
        pipeline.close().await;
        // A mail being handed over finishes first (each SMTP step has its
        // timeout); one cut off by the deadline is `uncertain` next start.
        outbound.stopped().await;
        background.wait().await;
        if let Some(scheduled) = scheduled {
            scheduled.stopped().await;
        }
        if let Err(e) = store.flush().await {
            tracing::error!(error = %e, "Final flush failed.");
        }
    })
    .await;
    match drained {
        Ok(()) => tracing::info!("Shutdown complete; everything acknowledged is durable."),
        Err(_) => tracing::warn!(
            "Shutdown deadline passed; unacknowledged input stays at its source for the next start."
        ),
    }
    Ok(())
}

/// Starts what talks to the channels' APIs: the draft publisher, and the
/// media fetcher for WeChat accounts with an AppSecret. Both stop on `stop`.
fn start_channel_apis(
    config: &Config,
    store: &Store,
    metrics: &Metrics,
    stop: &CancellationToken,
    tracker: &TaskTracker,
    weibo: &HashMap<String, WeiboApi>,
    publish_wake: &Arc<Notify>,
) {
    let mut publishers = Publishers::default();
    for (id, api) in weibo {
        publishers.insert(id, Arc::new(WeiboPublisher::new(api.clone())));
    }
    let mut apis = HashMap::new();
    // reqwest panics without a process-wide provider; main installs it, but
    // the daemon also runs embedded (tests, bench). A second install is a no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = match wechat_api::http_client() {
        Ok(http) => Some(http),
        Err(e) => {
            tracing::error!(error = %e, "No HTTP client; nothing will be published or downloaded.");
            None
        }
    };
    for connector in &config.connectors {
        let (ConnectorKind::Wechat(w), Some(http)) = (&connector.kind, &http) else {
            continue;
        };
        let Some(secret) = w.app_secret.as_ref().filter(|_| w.enabled) else {
            continue;
        };
        let app_secret = match secret.resolve() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(connector = %connector.id, error = %e, "WeChat API not available: no AppSecret.");
                continue;
            }
        };
        let api = WechatApi::new(
            wechat_api::ApiConfig {
                api_base: w.api_base.clone(),
                app_id: w.app_id.clone(),
                app_secret,
                token_endpoint: w.token_endpoint,
            },
            http.clone(),
            Arc::new(StoreTokenCache::new(store.clone(), connector.id.0.clone())),
        );
        publishers.insert(
            &connector.id.0,
            Arc::new(WechatPublisher::new(api.clone(), store.clone())),
        );
        apis.insert(connector.id.0.clone(), api);
    }
    if !apis.is_empty() {
        let fetcher = MediaFetcher::new(
            store.clone(),
            apis,
            config.store.max_attachment_bytes,
            metrics.clone(),
        );
        tracker.spawn(fetcher.run(stop.clone()));
    }
    let publisher = DraftPublisher::new(
        store.clone(),
        publishers,
        publish_wake.clone(),
        metrics.clone(),
    );
    tracker.spawn(publisher.run(stop.clone()));
}

/// One API client per enabled Weibo connector, shared by its poller and
/// its publisher so both spend one budget and see one token.
fn weibo_apis(
    config: &Config,
    metrics: &Metrics,
    clock: &SharedClock,
) -> HashMap<String, WeiboApi> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut apis = HashMap::new();
    for connector in &config.connectors {
        let ConnectorKind::Weibo(w) = &connector.kind else {
            continue;
        };
        if !w.enabled {
            continue;
        }
        match weibo_api::http_client() {
            Ok(http) => {
                let api = WeiboApi::new(&connector.id.0, w, http, clock.clone(), metrics.clone());
                apis.insert(connector.id.0.clone(), api);
            }
            Err(e) => {
                tracing::error!(connector = %connector.id, error = %e, "No HTTP client; the Weibo connector cannot call Weibo.");
            }
        }
    }
    apis
}

/// Turns SIGHUP into a reload of the rules and the accounts (Unix only;
/// elsewhere nothing to do).
fn forward_sighup(hangups: Vec<Arc<Notify>>, stop: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(mut signals) => {
                tokio::spawn(async move {
                    loop {
                        tokio::select! {
                            () = stop.cancelled() => return,
                            got = signals.recv() => match got {
                                Some(()) => hangups.iter().for_each(|h| h.notify_one()),
                                None => return,
                            },
                        }
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "SIGHUP cannot be watched; rules still reload when their files change.")
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (hangups, stop);
    }
}

/// What the sources are started with.
struct SourceDeps<'a> {
    store: &'a Store,
    pipeline: &'a Pipeline,
    status: &'a StatusBoard,
    stop: &'a CancellationToken,
    tracker: &'a TaskTracker,
    weibo_apis: &'a HashMap<String, WeiboApi>,
    clock: &'a SharedClock,
    metrics: &'a Metrics,
    rules: &'a LiveRules,
}

/// Spawns the polling sources; returns the webhook endpoints the HTTP
/// server serves (WeChat and Weibo pushes arrive there, not through a task).
fn start_sources(config: &Config, deps: &SourceDeps<'_>) -> (WechatEndpoints, WeiboEndpoints) {
    let SourceDeps {
        store,
        pipeline,
        status,
        stop,
        tracker,
        weibo_apis,
        clock,
        metrics,
        rules,
    } = *deps;
    let mut wechat = Vec::new();
    let mut weibo = Vec::new();
    for connector in &config.connectors {
        let ctx = SourceContext {
            id: connector.id.clone(),
            out: pipeline.sender(),
            store: store.clone(),
            shutdown: stop.clone(),
            status: status.clone(),
        };
        match &connector.kind {
            ConnectorKind::Imap(i) => {
                if !i.enabled {
                    continue;
                }
                status.register(&connector.id, "imap");
                let source = ImapSource::new(i.clone());
                tracker.spawn(async move {
                    let id = ctx.id.clone();
                    if let Err(e) = source.run(ctx).await {
                        tracing::error!(connector = %id, error = %e, "Source stopped with an error.");
                    }
                });
            }
            ConnectorKind::Maildir(m) => {
                if !m.enabled {
                    continue;
                }
                status.register(&connector.id, "maildir");
                let source = MaildirSource::new(m.clone());
                tracker.spawn(async move {
                    let id = ctx.id.clone();
                    if let Err(e) = source.run(ctx).await {
                        tracing::error!(connector = %id, error = %e, "Source stopped with an error.");
                    }
                });
            }
            ConnectorKind::Wechat(w) => {
                if !w.enabled {
                    continue;
                }
                status.register(&connector.id, "wechat");
                match WechatEndpoint::new(w, ctx, rules.clone()) {
                    Ok(endpoint) => {
                        status.set_state(&connector.id, ConnectorState::Idle, None);
                        wechat.push((connector.id.0.clone(), endpoint));
                    }
                    Err(e) => {
                        tracing::error!(connector = %connector.id, error = %e, "WeChat connector not started.");
                        status.set_state(&connector.id, ConnectorState::Failed, Some(e));
                    }
                }
            }
            ConnectorKind::Weibo(w) => {
                if !w.enabled {
                    continue;
                }
                status.register(&connector.id, "weibo");
                let Some(api) = weibo_apis.get(&connector.id.0) else {
                    status.set_state(
                        &connector.id,
                        ConnectorState::Failed,
                        Some("no HTTP client".into()),
                    );
                    continue;
                };
                status.set_state(&connector.id, ConnectorState::Idle, None);
                if w.push {
                    match WeiboEndpoint::new(w, ctx.clone()) {
                        Ok(endpoint) => weibo.push((connector.id.0.clone(), endpoint)),
                        Err(e) => {
                            tracing::error!(connector = %connector.id, error = %e, "Weibo push route not started.");
                            status.set_state(&connector.id, ConnectorState::Failed, Some(e));
                        }
                    }
                }
                if w.poll {
                    let source =
                        WeiboSource::new(w.clone(), api.clone(), clock.clone(), metrics.clone());
                    tracker.spawn(async move {
                        let id = ctx.id.clone();
                        if let Err(e) = source.run(ctx).await {
                            tracing::error!(connector = %id, error = %e, "Source stopped with an error.");
                        }
                    });
                }
            }
        }
    }
    (WechatEndpoints::new(wechat), WeiboEndpoints::new(weibo))
}
