//! omnilisten: listens to every channel where Alipay customers ask for help.
//!
//! Data flows one way: a source (`connectors`) hands raw input to the
//! `pipeline`, which normalizes it (`email`, `text`), deduplicates it
//! (`dedup`), applies `rules`, assigns `tickets` and commits everything in one
//! durable batch to the `store` before it acknowledges the source.
//!
//! | module | owns |
//! | --- | --- |
//! | `model` | the shared types: `Message`, `Ticket`, `Draft` |
//! | `config` | `omnilisten.toml`, `connectors/*.toml`, `rules/*.toml`: raw → validated, problems with file and line |
//! | `connectors` | the source contract and the sources (`maildir`, backfill files) |
//! | `email` | raw mail → parsed mail (charsets, HTML, quotes, auto-replies, bounces) |
//! | `text` | Chinese text normalization for matching and hashing |
//! | `analysis` | the text analysis rules and trends run on: t2s and aliases, entities (orders, amounts, dates, phones, cards), masking, jieba tokens |
//! | `dedup` | exact dedup keys and the near-duplicate (MinHash) index |
//! | `rules` | per-message rules and why they matched |
//! | `trends` | trend detection over message time: rule-topic bursts against a seasonal baseline, emerging terms |
//! | `tickets` | which ticket a message opens or joins |
//! | `outbound` | outgoing mail: acknowledgements of new tickets, the outbox and its SMTP sender |
//! | `pipeline` | bounded stages from raw input to durable, acknowledged messages |
//! | `store` | the only code that touches sled |
//! | `desk` | the review desk's service layer: ticket queue, review queue, search, each change audited |
//! | `web` | the HTTP server: health, metrics, JSON API |
//! | `auth` | accounts and access: roles, password hashes, sessions, API tokens, login limits |
//! | `jobs` | scheduled work (cron, China time): the daily digest note, the store sweep |
//! | `metrics` | the Prometheus registry |
//! | `clock` | the time pollers see: system, or manual in tests and benchmarks |
//! | `app` | wiring and graceful shutdown |

pub mod analysis;
pub mod app;
pub mod auth;
pub mod bench;
pub mod clock;
pub mod config;
pub mod connectors;
pub mod dedup;
pub mod desk;
pub mod email;
pub mod incidents;
pub mod ingest;
pub mod jobs;
pub mod media;
pub mod metrics;
pub mod model;
pub mod outbound;
pub mod pipeline;
pub mod publish;
pub mod rules;
pub mod store;
pub mod text;
pub mod tickets;
pub mod trends;
pub mod web;
