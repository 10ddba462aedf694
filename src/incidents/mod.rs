//! What trending topics do to the store: the writer hands every new
//! message to the [`TopicDesk`], which counts it in the trend detector (on
//! the message's own time), opens one incident ticket when a topic fires,
//! links the topic's messages to it, and drafts one official reply per
//! channel and near-duplicate cluster for reviewers.
//!
//! Everything happens in the message's own batch, in commit order, so a
//! replayed stream (`omnilisten ingest`) produces the same incidents and
//! drafts as the live one did.
//!
//! | file | does |
//! | --- | --- |
//! | `desk.rs` | [`TopicDesk`]: the detector's state, firing and resolving, linking |
//! | `draft.rs` | one draft per near-duplicate cluster, from the topic's template or a rule's `draft_reply` |
//! | `new_topic.rs` | "new topic" tickets for spiking terms no topic names (`[emerging]`) |
//! | `record.rs` | the incident ticket's bookkeeping: open, add a member, end |
//! | `recent.rs` | a topic's recent messages, linked when it fires |
//! | `view.rs` | [`TrendsView`]: what `/api/trends` shows |

mod desk;
mod draft;
mod new_topic;
mod recent;
mod record;
mod view;

pub use desk::{DeskReport, TopicDesk, message_time};
pub use draft::draft_for_rule;
pub use new_topic::NewTopicView;
pub use view::{Published, TopicView, TrendsView};
