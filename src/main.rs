//! The `omnilisten` command: the daemon and its tools.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use omnilisten::config::{self, Config, LogFormat};

#[derive(Parser)]
#[command(
    name = "omnilisten",
    version,
    about = "Listens to every channel where customers ask for help."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon until SIGTERM or SIGINT.
    Run {
        /// Main config file; `connectors/` and `rules/` are read next to it.
        #[arg(long, default_value = "omnilisten.toml")]
        config: PathBuf,
    },
    /// Validate the config, connectors and rules; print every problem.
    Check {
        /// Main config file.
        #[arg(long, default_value = "omnilisten.toml")]
        config: PathBuf,
    },
    /// Backfill .eml and mbox files (or saved Weibo pages, item by item)
    /// through the normal pipeline (daemon stopped).
    Ingest {
        /// Main config file.
        #[arg(long, default_value = "omnilisten.toml")]
        config: PathBuf,
        /// Connector id the files are recorded under.
        #[arg(long)]
        connector: String,
        /// Files to ingest.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a file's normalized message as JSON and which rules matched and why.
    Explain {
        /// Main config file (for the rules).
        #[arg(long, default_value = "omnilisten.toml")]
        config: PathBuf,
        /// Read the file as this connector's input (its channel, and its id
        /// for `connector` conditions); without it, WeChat push XML and Weibo
        /// JSON are told from mail by their first bytes.
        #[arg(long)]
        connector: Option<String>,
        /// A mail (.eml), a saved WeChat push (.xml), or a saved Weibo page
        /// or push (.json; of a page, the first item is shown).
        file: PathBuf,
    },
    /// Print an Argon2id hash of a new password, for `[[users]]
    /// password_hash`: typed twice without echo, or piped as one line
    /// (`printf '%s\n' "$PW" | omnilisten passwd`).
    Passwd,
    /// Measure throughput: generated mail through parse, dedup and durable
    /// store; `bench wechat` for safe-mode WeChat pushes over HTTP, `bench
    /// desk` for the review desk's pages over HTTP on a big store.
    Bench(Box<omnilisten::bench::BenchCommand>),
}

fn main() -> ExitCode {
    // One TLS provider for the whole process (IMAP, SMTP): ring. Installing
    // it explicitly avoids rustls guessing from crate features.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match command {
        Command::Run { config } => {
            // Handlers are installed before anything else (loading the
            // dictionaries takes a moment), so a SIGTERM during start-up is
            // a graceful stop too, not a kill.
            let shutdown = runtime.block_on(async { shutdown_signal() })?;
            let Some(cfg) = load_or_report(&config) else {
                return Ok(ExitCode::FAILURE);
            };
            init_logging(&cfg);
            runtime.block_on(async {
                omnilisten::app::run(cfg, shutdown, None).await?;
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { config } => Ok(match load_or_report(&config) {
            Some(cfg) => {
                println!(
                    "{}: ok ({} connectors, {} rules, {} topics)",
                    config.display(),
                    cfg.connectors.len(),
                    cfg.rules.rules.len(),
                    cfg.rules.topics.len()
                );
                ExitCode::SUCCESS
            }
            None => ExitCode::FAILURE,
        }),
        Command::Ingest {
            config,
            connector,
            files,
        } => {
            let Some(cfg) = load_or_report(&config) else {
                return Ok(ExitCode::FAILURE);
            };
            let summary =
                runtime.block_on(omnilisten::ingest::ingest_files(&cfg, &connector, &files))?;
            println!("{summary}");
            Ok(if summary.is_complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Explain {
            config,
            connector,
            file,
        } => {
            let Some(cfg) = load_or_report(&config) else {
                return Ok(ExitCode::FAILURE);
            };
            explain(&cfg, connector.as_deref(), &file)
        }
        Command::Passwd => {
            let password = omnilisten::auth::read_new_password()?;
            // Only the hash is printed (stdout), never the password.
            println!("{}", omnilisten::auth::hash_password(&password)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(command) => {
            let outcome = runtime.block_on(omnilisten::bench::dispatch(*command))?;
            println!("{}", outcome.text);
            Ok(if outcome.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// Loads the config or prints every problem to stderr; `run` and `check`
/// report the same problems the same way.
fn load_or_report(path: &Path) -> Option<Config> {
    match config::load(path) {
        Ok(cfg) => Some(cfg),
        Err(problems) => {
            eprintln!("{problems}");
            eprintln!("{} problem(s) found.", problems.0.len());
            None
        }
    }
}

fn explain(cfg: &Config, connector: Option<&str>, file: &Path) -> anyhow::Result<ExitCode> {
    use omnilisten::connectors::Payload;
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (connector, payload) = match connector {
        Some(id) => {
            let Some(found) = cfg.connectors.iter().find(|c| c.id.0 == id) else {
                bail!("no connector {id} in the config");
            };
            (
                found.id.clone(),
                Payload::of_channel(found.kind.channel(), raw),
            )
        }
        None => (
            omnilisten::model::ConnectorId("explain".into()),
            Payload::sniff(raw),
        ),
    };
    let (payload, page_items) = first_weibo_item(payload);
    let limits = omnilisten::app::pipeline_options(cfg).limits;
    let mut out = match omnilisten::pipeline::prepare(
        &connector,
        &payload,
        chrono::Utc::now(),
        &limits,
        &cfg.rules,
    ) {
        // `terms`: the words and hashtags as segmented, which is what
        // `tokens_*`/`hashtags` conditions and the emerging counter see.
        Ok(ready) => serde_json::json!({
            "rules": omnilisten::pipeline::explain_rules(&ready.message, &cfg.rules),
            "message": ready.message,
            "terms": ready.terms,
        }),
        Err(refused) => serde_json::json!({ "quarantined": refused.reason }),
    };
    if let (Some(items), Some(object)) = (page_items, out.as_object_mut()) {
        object.insert(
            "page".into(),
            serde_json::json!({ "items": items, "shown": "the first item" }),
        );
    }
    let text = serde_json::to_string_pretty(&out)?;
    println!("{text}");
    if out.get("quarantined").is_some() {
        bail!("the file would be quarantined");
    }
    Ok(ExitCode::SUCCESS)
}

/// A saved Weibo page holds many items, the pipeline takes one: the first
/// one is explained, with the page's item count. Anything else (a push, an
/// error body, a mail) goes on unchanged, and `prepare` says what it is.
fn first_weibo_item(
    payload: omnilisten::connectors::Payload,
) -> (omnilisten::connectors::Payload, Option<usize>) {
    use omnilisten::connectors::Payload;
    let Payload::Weibo(raw) = &payload else {
        return (payload, None);
    };
    match omnilisten::connectors::weibo::split_page(raw) {
        Ok(page) if !page.items.is_empty() => {
            let count = page.items.len();
            let first = page.items.into_iter().next().map(|item| item.raw);
            (Payload::Weibo(first.unwrap_or_default()), Some(count))
        }
        _ => (payload, None),
    }
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&cfg.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // async-imap logs every protocol line at TRACE, LOGIN and AUTHENTICATE
    // included: its log is switched off whatever RUST_LOG says, so a secret
    // can never reach the log. Our own IMAP code logs what matters.
    let filter = match "async_imap=off".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cfg.log.format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

/// Installs the SIGTERM and SIGINT handlers now and returns a future that
/// resolves on the first of them.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received."),
            _ = int.recv() => tracing::info!("SIGINT received."),
        }
    })
}
