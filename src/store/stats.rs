//! Running counts kept inside the store, updated in the same batch as the
//! records they count, so they survive crashes exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Channel, TicketState};

/// Counts served at `/api/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Stored messages.
    pub messages: MessageCounts,
    /// Inputs recognised as already stored (not stored again).
    pub duplicates: u64,
    /// Messages linked to an earlier near-identical message.
    pub near_duplicates: u64,
    /// Inputs that could not be parsed, kept aside with a reason.
    pub quarantined: u64,
    /// Tickets.
    pub tickets: StateCounts,
    /// Drafts.
    pub drafts: StateCounts,
}

/// Message totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCounts {
    /// All channels.
    pub total: u64,
    /// Per channel name.
    pub by_channel: BTreeMap<String, u64>,
}

/// Totals of a stateful record kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    /// All states.
    pub total: u64,
    /// Per state name.
    pub by_state: BTreeMap<String, u64>,
}

impl Stats {
    /// A zeroed counter set with every channel and ticket state present, so
    /// dashboards see zeros rather than missing keys.
    pub fn empty() -> Stats {
        let mut stats = Stats::default();
        for channel in Channel::ALL {
            stats.messages.by_channel.insert(channel.to_string(), 0);
        }
        for state in TicketState::ALL {
            stats.tickets.by_state.insert(state.as_str().to_string(), 0);
        }
        stats
    }

    /// Counts one stored message.
    pub fn add_message(&mut self, channel: Channel) {
        self.messages.total += 1;
        *self
            .messages
            .by_channel
            .entry(channel.to_string())
            .or_default() += 1;
    }

    /// Counts a new ticket.
    pub fn add_ticket(&mut self, state: TicketState) {
        self.tickets.total += 1;
        *self
            .tickets
            .by_state
            .entry(state.as_str().to_string())
            .or_default() += 1;
    }

    /// Moves one ticket between states.
    pub fn move_ticket(&mut self, from: TicketState, to: TicketState) {
        if let Some(n) = self.tickets.by_state.get_mut(from.as_str()) {
            *n = n.saturating_sub(1);
        }
        *self
            .tickets
            .by_state
            .entry(to.as_str().to_string())
            .or_default() += 1;
    }

    /// Moves one draft between states.
    pub fn move_draft(&mut self, from: &str, to: &str) {
        if from == to {
            return;
        }
        if let Some(n) = self.drafts.by_state.get_mut(from) {
            *n = n.saturating_sub(1);
        }
        *self.drafts.by_state.entry(to.to_string()).or_default() += 1;
    }

    /// Counts a new draft in `state`.
    pub fn add_draft(&mut self, state: &str) {
        self.drafts.total += 1;
        *self.drafts.by_state.entry(state.to_string()).or_default() += 1;
    }
}
