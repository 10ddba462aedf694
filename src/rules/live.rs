//! The rules in force, swapped whole on reload: readers take an `Arc` of
//! the current set (per batch, per push), so a reload never changes the
//! rules under a message being evaluated.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::RuleSet;

/// A shared, replaceable rule set and how its last reload went.
#[derive(Clone)]
pub struct LiveRules {
    inner: Arc<Inner>,
}

struct Inner {
    current: RwLock<Arc<RuleSet>>,
    status: RwLock<RulesStatus>,
}

/// What `/healthz` shows about the rules.
#[derive(Debug, Clone, Serialize)]
pub struct RulesStatus {
    /// Rules in force.
    pub rules: usize,
    /// When the rules in force were loaded.
    pub loaded_at: DateTime<Utc>,
    /// Successful reloads since start.
    pub reloads: u64,
    /// Why the last reload was refused (the previous rules stay in force);
    /// None once a reload succeeds.
    pub error: Option<String>,
}

impl LiveRules {
    /// Rules loaded at start.
    pub fn new(rules: RuleSet) -> LiveRules {
        let status = RulesStatus {
            rules: rules.rules.len(),
            loaded_at: Utc::now(),
            reloads: 0,
            error: None,
        };
        LiveRules {
            inner: Arc::new(Inner {
                current: RwLock::new(Arc::new(rules)),
                status: RwLock::new(status),
            }),
        }
    }

    /// The rules in force now.
    pub fn current(&self) -> Arc<RuleSet> {
        match self.inner.current.read() {
            Ok(rules) => rules.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts `rules` in force.
    pub fn replace(&self, rules: RuleSet) {
        let count = rules.rules.len();
        match self.inner.current.write() {
            Ok(mut current) => *current = Arc::new(rules),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(rules),
        }
        self.update_status(|s| {
            s.rules = count;
            s.loaded_at = Utc::now();
            s.reloads += 1;
            s.error = None;
        });
    }

    /// Records a refused reload; the rules in force do not change.
    pub fn refused(&self, error: String) {
        self.update_status(|s| s.error = Some(error));
    }

    /// How the rules stand.
    pub fn status(&self) -> RulesStatus {
        match self.inner.status.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn update_status(&self, f: impl FnOnce(&mut RulesStatus)) {
        match self.inner.status.write() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

impl From<RuleSet> for LiveRules {
    fn from(rules: RuleSet) -> LiveRules {
        LiveRules::new(rules)
    }
}

impl From<Arc<RuleSet>> for LiveRules {
    fn from(rules: Arc<RuleSet>) -> LiveRules {
        LiveRules::new(Arc::unwrap_or_clone(rules))
    }
}
