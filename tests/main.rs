//! The one integration-test binary (one link on two cores).

mod support;

mod auth;
mod cli;
mod config_check;
mod crash;
mod daemon;
mod desk_pages;
mod imap;
mod jobs;
mod near_dup;
mod review_desk;
mod rules_reload;
mod samples;
mod smtp;
mod trending;
mod wechat;
mod wechat_api;
mod wechat_outbound;
mod weibo_ingest;
mod weibo_outbound;
mod weibo_poll;
