//! The writer's side of acknowledgements: inside the transaction that opens
//! a ticket, decide, and enqueue the mail with the sender's new count, so
//! the decision, the cap and the ticket are one atomic, durable fact.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Notify;

use super::message::acknowledgement;
use super::policy::{AckCandidate, AckPolicy, Skip};
use super::template::Template;
use crate::config::{AcknowledgementConfig, SmtpConfig};
use crate::metrics::Metrics;
use crate::model::{Channel, Message, TicketNumber};
use crate::store::{OutboxEntry, StoreError, Tx};

/// Decides and enqueues acknowledgements; shared by the pipeline's writer.
pub struct Acknowledger {
    policy: AckPolicy,
    template: Template,
    message_id_domain: String,
    wake: Arc<Notify>,
    metrics: Metrics,
}

impl Acknowledger {
    /// From the validated config; None when acknowledgements are off or the
    /// template was not loaded.
    pub fn new(
        smtp: &SmtpConfig,
        ack: &AcknowledgementConfig,
        wake: Arc<Notify>,
        metrics: Metrics,
    ) -> Option<Acknowledger> {
        let template = ack.body.clone().filter(|_| ack.enabled)?;
        Some(Acknowledger {
            policy: AckPolicy {
                per_sender_per_hour: ack.per_sender_per_hour,
                no_reply_patterns: ack.no_reply_patterns.clone(),
                own_addresses: smtp.own_addresses(),
                message_id_domain: smtp.message_id_domain.clone(),
            },
            template,
            message_id_domain: smtp.message_id_domain.clone(),
            wake,
            metrics,
        })
    }

    /// Called for a message that just opened `ticket`, in the same
    /// transaction. Enqueues an acknowledgement when the policy allows.
    pub fn consider(
        &self,
        tx: &mut Tx<'_>,
        historical: bool,
        message: &Message,
        ticket: &str,
    ) -> Result<(), StoreError> {
        if message.channel != Channel::Email {
            return Ok(());
        }
        let sender = message.author.id.as_str();
        let earlier = if sender.is_empty() || historical {
            Vec::new()
        } else {
            tx.ack_times(sender)?
        };
        let candidate = AckCandidate {
            kind: &message.mail_kind,
            historical,
            sender,
            message_id: Some(message.native_id.as_str()),
            at: message.received_at,
            earlier: &earlier,
        };
        if let Err(skip) = self.policy.decide(&candidate) {
            self.skipped(skip, ticket);
            return Ok(());
        }
        let number = TicketNumber(ticket.to_string());
        let Some(mail) = acknowledgement(message, &number, &self.template, &self.message_id_domain)
        else {
            self.skipped(Skip::NoSender, ticket);
            return Ok(());
        };
        // Our Message-ID points at the mail it answers: a reply to the
        // acknowledgement threads into that mail's ticket, and our own mail
        // coming back in is recognised as already seen.
        tx.mark_native(Channel::Email, &mail.message_id, message.id);
        tx.set_ack_times(sender, &self.policy.remember(&earlier, message.received_at));
        tx.put_outbox(&OutboxEntry::pending(mail, Utc::now()))?;
        self.metrics.acknowledgements_queued.inc();
        // The sender takes the store's write lock before looking, so it sees
        // this entry once the writer's batch is applied.
        self.wake.notify_one();
        Ok(())
    }

    fn skipped(&self, skip: Skip, ticket: &str) {
        tracing::debug!(ticket, reason = skip.as_str(), "No acknowledgement.");
        self.metrics.count_ack_skipped(skip.as_str());
    }
}

#[cfg(test)]
mod tests;
