//! The one integration-test binary (one link on two cores).

mod support;

mod cli;
mod config_check;
mod crash;
mod daemon;
mod near_dup;
mod samples;
