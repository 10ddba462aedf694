//! The per-message path the benchmark times and the detection test drives:
//! analysis → rules and topics → trend counters, as the pipeline runs it
//! (`pipeline::prepare` analyzes and evaluates; the writer's topic desk
//! counts unique authors per topic and the words and hashtags as terms),
//! without the store around it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::ruleset::topic_specs;
use super::text::Rendered;
use crate::analysis::{Analysis, Analyzer};
use crate::bench::BenchError;
use crate::model::{Author, Channel, ConnectorId, MailKind, Message, MessageId};
use crate::rules::{Evaluation, RuleSet, Subject, evaluate_actions, evaluate_subject};
use crate::trends::{EngineOptions, TrendEngine, TrendEvent};

/// Rules, analysis and a trend engine watching the rules' topics.
pub struct WholePath {
    rules: RuleSet,
    analyzer: Analyzer,
    engine: TrendEngine,
    /// For each topic of `rules.topics`, its index in the engine (None
    /// for a disabled topic, which the engine does not watch).
    engine_topics: Vec<Option<usize>>,
    /// A message per channel for the conditions that look at the message
    /// itself (channel, mail kind, item kind); the text is analyzed apart.
    email: Message,
    weibo: Message,
    wechat: Message,
}

/// Time spent in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stages {
    /// Folding, markup, entities, t2s, segmentation.
    pub analysis: Duration,
    /// Every rule and topic.
    pub rules: Duration,
    /// Terms and the trend engine.
    pub trends: Duration,
}

impl Stages {
    /// All three.
    pub fn total(&self) -> Duration {
        self.analysis + self.rules + self.trends
    }
}

/// What one message did.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Indexes in `RuleSet::topics` of the topics it is about.
    pub topics: Vec<usize>,
    /// The terms counted: words, then `#hashtags#`.
    pub terms: Vec<String>,
    /// Events of the minutes it completed.
    pub events: Vec<TrendEvent>,
    /// How long each stage took.
    pub stages: Stages,
}

impl WholePath {
    /// The path for `rules` (which must carry their analyzer, as the
    /// config loader gives them) with a fresh engine.
    pub fn new(rules: RuleSet, options: EngineOptions) -> Result<WholePath, BenchError> {
        let analyzer = rules.analyzer.clone().ok_or_else(|| {
            BenchError::Config("the rules have no text analysis (rules/dict)".into())
        })?;
        let engine = TrendEngine::new(topic_specs(&rules), options);
        let engine_topics = rules
            .topics
            .iter()
            .map(|t| engine.topic_index(&t.id).filter(|_| t.enabled))
            .collect();
        Ok(WholePath {
            email: message(Channel::Email, None),
            weibo: message(Channel::Weibo, Some("status")),
            wechat: message(Channel::Wechat, Some("text")),
            rules,
            analyzer,
            engine,
            engine_topics,
        })
    }

    /// The rules in force.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The trend engine.
    pub fn engine(&self) -> &TrendEngine {
        &self.engine
    }

    /// A fresh engine with `options`, the rules and analysis kept.
    pub fn reset(&mut self, options: EngineOptions) {
        self.engine = TrendEngine::new(topic_specs(&self.rules), options);
    }

    /// Stage 1: the analysis of what the pipeline analyzes (subject and
    /// text joined).
    pub fn analyze(&self, joined: &str) -> Analysis {
        self.analyzer.analyze(joined)
    }

    /// Stage 2: every rule and topic on the analyzed message, as the
    /// pipeline decides (actions and topics, no reasons).
    pub fn evaluate(&self, channel: Channel, analysis: &Analysis) -> Evaluation {
        evaluate_actions(&self.rules, &self.subject(channel, analysis))
    }

    /// Stage 2 as `omnilisten explain` runs it, with every reason.
    pub fn explain(&self, channel: Channel, analysis: &Analysis) -> Evaluation {
        evaluate_subject(&self.rules, &self.subject(channel, analysis))
    }

    fn subject<'a>(&'a self, channel: Channel, analysis: &'a Analysis) -> Subject<'a> {
        let message = match channel {
            Channel::Email => &self.email,
            Channel::Wechat => &self.wechat,
            _ => &self.weibo,
        };
        Subject {
            message,
            text: &analysis.normalized,
            tokens: &analysis.tokens,
            hashtags: &analysis.hashtags,
            details: &analysis.details,
            category: None,
        }
    }

    /// Stage 3: the message's words and hashtags as terms, counted with
    /// its topics (indexes in `RuleSet::topics`, as
    /// [`Evaluation::topic_indexes`]) by author at its time. Returns the
    /// terms and the events.
    pub fn count(
        &mut self,
        at: DateTime<Utc>,
        author: &str,
        topics: &[usize],
        analysis: Analysis,
    ) -> (Vec<String>, Vec<TrendEvent>) {
        let mut terms = analysis.tokens;
        terms.extend(analysis.hashtags.into_iter().map(|h| format!("#{h}#")));
        let indexes: Vec<usize> = topics
            .iter()
            .filter_map(|&i| self.engine_topics.get(i).copied().flatten())
            .collect();
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let events = self.engine.observe(at, author, &indexes, &refs);
        (terms, events)
    }

    /// All three stages on one message, timed.
    pub fn observe(&mut self, at: DateTime<Utc>, author: &str, message: &Rendered) -> Observed {
        let joined = message.joined();
        let start = Instant::now();
        let analysis = self.analyze(&joined);
        let analyzed = Instant::now();
        let topics = self.evaluate(message.channel, &analysis).topic_indexes;
        let evaluated = Instant::now();
        let (terms, events) = self.count(at, author, &topics, analysis);
        let counted = Instant::now();
        Observed {
            topics,
            terms,
            events,
            stages: Stages {
                analysis: analyzed - start,
                rules: evaluated - analyzed,
                trends: counted - evaluated,
            },
        }
    }

    /// Moves message time on to `now`, evaluating the minutes completed.
    pub fn advance(&mut self, now: DateTime<Utc>) -> Vec<TrendEvent> {
        self.engine.advance(now)
    }
}

/// A stand-in message of `channel` for the conditions on the message.
fn message(channel: Channel, item_kind: Option<&str>) -> Message {
    let email = channel == Channel::Email;
    Message {
        id: MessageId::new(),
        channel,
        connector: ConnectorId("bench".into()),
        native_id: "bench".into(),
        author: Author {
            id: "customer".into(),
            name: None,
            address: email.then(|| "customer@example.com".to_string()),
        },
        subject: None,
        text: String::new(),
        full_text: None,
        attachments: Vec::new(),
        thread: Default::default(),
        sent_at: None,
        received_at: DateTime::<Utc>::UNIX_EPOCH,
        mail_kind: MailKind::Human,
        details: Default::default(),
        near_duplicate_of: None,
        ticket: None,
        incident: None,
        raw_size: 0,
        item_kind: item_kind.map(str::to_string),
        instant_reply: None,
        social: None,
    }
}
