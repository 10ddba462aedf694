//! `rules/*.toml`: raw `[[rule]]` tables → validated [`Rule`]s, reporting
//! problems as `config::Problem`s. Each rule's head, `[rule.when]` and
//! `[rule.then]` are deserialized separately so one mistake does not hide the
//! others.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex::RegexBuilder;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::condition::{Condition, DetailKind, MailKindName, SenderPattern};
use super::emerging::EmergingRule;
use super::topic::{DraftTemplate, TopicActions, TopicRule, Trigger};
use super::{InstantReply, JoinTarget, Rule, RuleActions, RuleSet};
use crate::config::{FileCheck, Problem, SourceFile, load_template, parse_duration, quoted_list};
use crate::model::{Channel, ConnectorId, Priority, TicketNumber};
use crate::outbound::{Template, Values};

/// A list whose elements are checked one by one.
type SpannedList = Spanned<Vec<Spanned<String>>>;

/// `[[rule]]` without its sub-tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[rule]] table")]
struct RawRuleHead {
    id: Spanned<String>,
    description: Option<String>,
    enabled: Option<bool>,
}

/// `[rule.when]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [rule.when] table")]
struct RawWhen {
    channel: Option<SpannedList>,
    connector: Option<SpannedList>,
    mail_kind: Option<SpannedList>,
    keywords_any: Option<SpannedList>,
    keywords_all: Option<SpannedList>,
    regex: Option<Spanned<String>>,
    sender: Option<SpannedList>,
    has_attachments: Option<bool>,
    item_kind: Option<SpannedList>,
    keywords_none: Option<SpannedList>,
    tokens_any: Option<SpannedList>,
    tokens_all: Option<SpannedList>,
    hashtags: Option<SpannedList>,
    category: Option<SpannedList>,
    details: Option<SpannedList>,
}

/// `[rule.then]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [rule.then] table")]
struct RawThen {
    open_ticket: Option<bool>,
    queue: Option<Spanned<String>>,
    priority: Option<Spanned<String>>,
    category: Option<Spanned<String>>,
    tags: Option<Vec<Spanned<String>>>,
    ignore: Option<bool>,
    stop: Option<bool>,
    instant_reply: Option<Spanned<String>>,
    draft_reply: Option<Spanned<String>>,
    join_ticket: Option<Spanned<String>>,
}

/// `[[topic]]` without its sub-tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[topic]] table")]
struct RawTopicHead {
    id: Spanned<String>,
    title: Option<Spanned<String>>,
    description: Option<String>,
    enabled: Option<bool>,
}

/// `[topic.trigger]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [topic.trigger] table")]
struct RawTrigger {
    window: Option<Spanned<String>>,
    min_count: Option<Spanned<u32>>,
    min_ratio: Option<Spanned<f64>>,
    p_value: Option<Spanned<f64>>,
    #[serde(rename = "for")]
    hold: Option<Spanned<String>>,
    keep_firing_for: Option<Spanned<String>>,
    cooldown: Option<Spanned<String>>,
    baseline_floor: Option<Spanned<f64>>,
}

/// `[topic.then]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [topic.then] table")]
struct RawTopicThen {
    incident: Option<bool>,
    queue: Option<Spanned<String>>,
    priority: Option<Spanned<String>>,
    category: Option<Spanned<String>>,
    drafts: Option<Spanned<std::collections::BTreeMap<String, Spanned<String>>>>,
}

/// `[emerging]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [emerging] table")]
struct RawEmerging {
    open_ticket: Option<bool>,
    min_score: Option<Spanned<f64>>,
    min_authors: Option<Spanned<u32>>,
    queue: Option<Spanned<String>>,
    priority: Option<Spanned<String>>,
    quiet_for: Option<Spanned<String>>,
    cooldown: Option<Spanned<String>>,
    ignore: Option<Vec<Spanned<String>>>,
}

/// `priority` values as rule files write them.
const PRIORITIES: [(&str, Priority); 4] = [
    ("low", Priority::Low),
    ("normal", Priority::Normal),
    ("high", Priority::High),
    ("urgent", Priority::Urgent),
];

/// What the rules of one file are checked against: the other files' rule
/// ids and the connectors that exist.
struct RuleContext<'k> {
    connectors: &'k [ConnectorId],
    /// Rule id → where it was first defined.
    seen: HashMap<String, (PathBuf, usize)>,
    /// The `[emerging]` table, from whichever file holds it.
    emerging: Option<EmergingRule>,
}

impl RuleContext<'_> {
    fn new(connectors: &[ConnectorId]) -> RuleContext<'_> {
        RuleContext {
            connectors,
            seen: HashMap::new(),
            emerging: None,
        }
    }
}

/// Reads and validates every rule file, in the order given (sorted by the
/// caller). `connectors` are the ids a rule may name.
pub fn load_files(
    files: &[PathBuf],
    base_dir: &Path,
    connectors: &[ConnectorId],
    problems: &mut Vec<Problem>,
) -> RuleSet {
    let mut context = RuleContext::new(connectors);
    let mut set = RuleSet::default();
    for path in files {
        let source = match SourceFile::read(path) {
            Ok(source) => source,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let (rules, topics) = rules_in_source(&source, base_dir, &mut context, problems);
        set.rules.extend(rules);
        set.topics.extend(topics);
    }
    check_join_topics(&set, problems);
    set.emerging = context.emerging;
    set
}

fn rules_in_source(
    source: &SourceFile,
    base_dir: &Path,
    context: &mut RuleContext<'_>,
    problems: &mut Vec<Problem>,
) -> (Vec<Rule>, Vec<TopicRule>) {
    let mut check = FileCheck::new(source, base_dir);
    let found = match check.parse() {
        Some(document) => rules_in(&mut check, document.into_inner(), context),
        None => (Vec::new(), Vec::new()),
    };
    problems.extend(check.into_problems());
    found
}

fn rules_in<'a>(
    check: &mut FileCheck<'a>,
    document: DeTable<'a>,
    context: &mut RuleContext<'_>,
) -> (Vec<Rule>, Vec<TopicRule>) {
    let mut rules = Vec::new();
    let mut topics = Vec::new();
    for (key, value) in document {
        let what = key.get_ref().to_string();
        if what == "emerging" {
            emerging_table(check, value, context);
            continue;
        }
        if what != "rule" && what != "topic" {
            let message = format!(
                "unknown key `{what}`: a rule file holds [[rule]], [[topic]] and [emerging] tables only"
            );
            check.report(key.span(), message);
            continue;
        }
        let span = value.span();
        let DeValue::Array(items) = value.into_inner() else {
            check.report(
                span,
                format!("write each {what} as [[{what}]] (an array of tables), not [{what}]"),
            );
            continue;
        };
        for item in items {
            let span = item.span();
            match (item.into_inner(), what.as_str()) {
                (DeValue::Table(table), "rule") => {
                    rules.extend(one_rule(check, span, table, context));
                }
                (DeValue::Table(table), _) => {
                    topics.extend(one_topic(check, span, table, context));
                }
                _ => check.report(span, format!("each {what} must be a table")),
            }
        }
    }
    (rules, topics)
}

/// `[emerging]`, once across every file.
fn emerging_table<'a>(
    check: &mut FileCheck<'a>,
    value: Spanned<DeValue<'a>>,
    context: &mut RuleContext<'_>,
) {
    let span = value.span();
    let line = check.source.line_column(span.start).0;
    if let Some(first) = &context.emerging {
        let message = format!(
            "[emerging] is already defined at {}:{}; keep one",
            first.file.display(),
            first.line
        );
        check.report(span, message);
        return;
    }
    let Some(raw) = check.deserialize::<RawEmerging>(value) else {
        return;
    };
    let d = EmergingRule::default();
    let mut duration = |key: &str, value: Option<Spanned<String>>, fallback| match value {
        None => fallback,
        Some(v) => match parse_duration(v.get_ref()) {
            Ok(d) => d,
            Err(message) => {
                check.report(v.span(), format!("{key}: {message}"));
                fallback
            }
        },
    };
    let quiet_for = duration("quiet_for", raw.quiet_for, d.quiet_for);
    let cooldown = duration("cooldown", raw.cooldown, d.cooldown);
    let min_score = match raw.min_score {
        Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 => *v.get_ref(),
        Some(v) => {
            check.report(
                v.span(),
                "min_score must be a positive number (−log10 p; 12 is the default)",
            );
            d.min_score
        }
        None => d.min_score,
    };
    let min_authors = match raw.min_authors {
        Some(v) if *v.get_ref() >= 2 => *v.get_ref(),
        Some(v) => {
            check.report(v.span(), "min_authors must be at least 2");
            d.min_authors
        }
        None => d.min_authors,
    };
    let choices = PRIORITIES;
    context.emerging = Some(EmergingRule {
        open_ticket: raw.open_ticket.unwrap_or(true),
        min_score,
        min_authors,
        queue: raw
            .queue
            .and_then(|v| word(check, "queue", v))
            .unwrap_or(d.queue),
        priority: raw
            .priority
            .and_then(|v| check.choose("priority", &v, &choices))
            .unwrap_or(d.priority),
        quiet_for,
        cooldown,
        ignore: raw
            .ignore
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| keyword(check, v))
            .collect(),
        file: check.source.path.clone(),
        line,
    });
}

fn one_topic<'a>(
    check: &mut FileCheck<'a>,
    span: Range<usize>,
    mut table: DeTable<'a>,
    context: &mut RuleContext<'_>,
) -> Option<TopicRule> {
    let when = table.remove("when");
    let trigger = table.remove("trigger");
    let then = table.remove("then");
    let head: Option<RawTopicHead> =
        check.deserialize(Spanned::new(span.clone(), DeValue::Table(table)));
    let conditions = match when {
        Some(value) => check
            .deserialize(value)
            .map(|raw| conditions(check, raw, context.connectors)),
        None => Some(Vec::new()),
    };
    let trigger = match trigger {
        Some(value) => check
            .deserialize(value)
            .map(|raw| topic_trigger(check, raw)),
        None => Some(Trigger::default()),
    };
    let raw_then = match then {
        Some(value) => check.deserialize(value),
        None => Some(RawTopicThen::default()),
    };
    let head = head?;
    let line = check.source.line_column(span.start).0;
    let id = rule_id(check, context, &head.id, line)?;
    let conditions = conditions?;
    if !conditions.iter().any(Condition::is_about_content) {
        let message = format!(
            "topic `{id}` is not about anything: give [topic.when] keywords, tokens, hashtags, a regex or a category"
        );
        check.report(head.id.span(), message);
        return None;
    }
    let title = match head.title {
        Some(title) if !title.get_ref().trim().is_empty() => title.get_ref().trim().to_string(),
        Some(title) => {
            check.report(title.span(), "title must not be empty");
            return None;
        }
        None => id.clone(),
    };
    let then = topic_actions(check, raw_then?, &title);
    Some(TopicRule {
        id,
        title,
        description: head.description.unwrap_or_default(),
        enabled: head.enabled.unwrap_or(true),
        file: check.source.path.clone(),
        line,
        conditions,
        trigger: trigger?,
        then,
    })
}

fn topic_trigger(check: &mut FileCheck<'_>, raw: RawTrigger) -> Trigger {
    let default = Trigger::default();
    let mut duration = |key: &str,
                        value: Option<Spanned<String>>,
                        fallback: std::time::Duration,
                        zero_ok: bool| {
        let Some(value) = value else {
            return fallback;
        };
        match parse_duration(value.get_ref()) {
            Ok(d) if d.is_zero() && !zero_ok => {
                check.report(value.span(), format!("{key} must be longer than 0"));
                fallback
            }
            Ok(d) => d,
            Err(message) => {
                check.report(value.span(), format!("{key}: {message}"));
                fallback
            }
        }
    };
    let window_span = raw.window.as_ref().map(|w| w.span());
    let window = duration("window", raw.window, default.window, false);
    let hold = duration("for", raw.hold, default.hold, true);
    let keep_firing_for = duration(
        "keep_firing_for",
        raw.keep_firing_for,
        default.keep_firing_for,
        true,
    );
    let cooldown = duration("cooldown", raw.cooldown, default.cooldown, true);
    let minute = std::time::Duration::from_secs(60);
    let window = match window_span {
        // Counts are per minute and the baseline compares the same window on
        // earlier days: a window outside a minute to a day means nothing.
        Some(span) if window < minute || window > minute * 1440 => {
            check.report(span, "window must be between 1m and 1d");
            default.window
        }
        _ => window,
    };
    let mut number =
        |key: &str, value: Option<Spanned<f64>>, fallback: f64, ok: fn(f64) -> bool, rule: &str| {
            let Some(value) = value else {
                return fallback;
            };
            if ok(*value.get_ref()) {
                *value.get_ref()
            } else {
                check.report(value.span(), format!("{key} must be {rule}"));
                fallback
            }
        };
    let min_ratio = number(
        "min_ratio",
        raw.min_ratio,
        default.min_ratio,
        |v| v >= 1.0 && v.is_finite(),
        "at least 1",
    );
    let p_value = number(
        "p_value",
        raw.p_value,
        default.p_value,
        |v| v > 0.0 && v < 1.0,
        "between 0 and 1",
    );
    let baseline_floor = number(
        "baseline_floor",
        raw.baseline_floor,
        default.baseline_floor,
        |v| v > 0.0 && v.is_finite(),
        "more than 0",
    );
    let min_count = match raw.min_count {
        Some(n) if *n.get_ref() == 0 => {
            check.report(n.span(), "min_count must be at least 1");
            default.min_count
        }
        Some(n) => *n.get_ref(),
        None => default.min_count,
    };
    Trigger {
        window,
        min_count,
        min_ratio,
        p_value,
        hold,
        keep_firing_for,
        cooldown,
        baseline_floor,
    }
}

fn topic_actions(check: &mut FileCheck<'_>, raw: RawTopicThen, title: &str) -> TopicActions {
    let choices = PRIORITIES;
    let mut drafts = std::collections::BTreeMap::new();
    if let Some(table) = raw.drafts {
        let channels = Channel::ALL.map(|c| (c.as_str(), c));
        for (name, template) in table.into_inner() {
            let key = Spanned::new(template.span(), name);
            let Some(channel) = check.choose("channel", &key, &channels) else {
                continue;
            };
            let Some((name, parsed)) = template_named(check, template.clone()) else {
                continue;
            };
            if let Err(why) = fits_channel(&parsed, channel, title) {
                check.report(
                    template.span(),
                    format!("drafts.{channel}: template `{name}` {why}"),
                );
                continue;
            }
            drafts.insert(
                channel,
                DraftTemplate {
                    name,
                    template: parsed,
                },
            );
        }
    }
    TopicActions {
        incident: raw.incident.unwrap_or(true),
        queue: raw.queue.and_then(|v| word(check, "queue", v)),
        priority: raw
            .priority
            .and_then(|v| check.choose("priority", &v, &choices)),
        category: raw.category.and_then(|v| word(check, "category", v)),
        drafts,
    }
}

/// Whether `template`, filled with the longest values it may meet, fits
/// what `channel` publishes: Weibo 140 characters, WeChat 2,048 bytes.
fn fits_channel(template: &Template, channel: Channel, topic: &str) -> Result<(), String> {
    // Weibo screen names are at most 30 characters; ticket numbers 15.
    let longest_name = "某".repeat(30);
    let text = template.render(&Values {
        ticket: "20261231-999999",
        subject: "",
        name: &longest_name,
        topic,
    });
    crate::publish::check_length(channel, text.trim())
        .map_err(|why| format!("is too long with a 30-character name: {why}"))
}

fn one_rule<'a>(
    check: &mut FileCheck<'a>,
    span: Range<usize>,
    mut table: DeTable<'a>,
    context: &mut RuleContext<'_>,
) -> Option<Rule> {
    let when = table.remove("when");
    let then = table.remove("then");
    let head: Option<RawRuleHead> =
        check.deserialize(Spanned::new(span.clone(), DeValue::Table(table)));
    let conditions = match when {
        Some(value) => check
            .deserialize(value)
            .map(|raw| conditions(check, raw, context.connectors)),
        None => Some(Vec::new()),
    };
    let then = match then {
        Some(value) => check.deserialize(value).map(|raw| actions(check, raw)),
        None => Some(RuleActions::default()),
    };
    let head = head?;
    let line = check.source.line_column(span.start).0;
    let id = rule_id(check, context, &head.id, line)?;
    Some(Rule {
        id,
        description: head.description.unwrap_or_default(),
        enabled: head.enabled.unwrap_or(true),
        file: check.source.path.clone(),
        line,
        conditions: conditions?,
        then: then?,
    })
}

/// Checks the id's form and that no earlier rule (in any file) has it.
fn rule_id(
    check: &mut FileCheck<'_>,
    context: &mut RuleContext<'_>,
    id: &Spanned<String>,
    line: usize,
) -> Option<String> {
    let text = id.get_ref();
    let well_formed = text.len() <= 128
        && text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if !well_formed {
        let message = format!(
            "invalid rule id \"{text}\": use up to 128 of a-z, 0-9, -, _ and ., starting with a letter or digit"
        );
        check.report(id.span(), message);
        return None;
    }
    if let Some((file, first_line)) = context.seen.get(text) {
        let message = format!(
            "duplicate rule id `{text}`: already used at {}:{first_line}",
            file.display()
        );
        check.report(id.span(), message);
        return None;
    }
    context
        .seen
        .insert(text.clone(), (check.source.path.clone(), line));
    Some(text.clone())
}

/// The conditions in evaluation order: cheap comparisons before text scans.
fn conditions(
    check: &mut FileCheck<'_>,
    raw: RawWhen,
    connectors: &[ConnectorId],
) -> Vec<Condition> {
    let mut out = Vec::new();
    if let Some(list) = non_empty(check, "channel", raw.channel) {
        let choices = Channel::ALL.map(|c| (c.as_str(), c));
        out.push(Condition::Channel(each(list, |v| {
            check.choose("channel", &v, &choices)
        })));
    }
    if let Some(list) = non_empty(check, "connector", raw.connector) {
        out.push(Condition::Connector(each(list, |v| {
            known_connector(check, connectors, v)
        })));
    }
    if let Some(list) = non_empty(check, "mail_kind", raw.mail_kind) {
        let choices = MailKindName::CHOICES;
        out.push(Condition::MailKind(each(list, |v| {
            check.choose("mail kind", &v, &choices)
        })));
    }
    if let Some(list) = non_empty(check, "keywords_any", raw.keywords_any) {
        out.push(Condition::KeywordsAny(each(list, |v| keyword(check, v))));
    }
    if let Some(list) = non_empty(check, "keywords_all", raw.keywords_all) {
        out.push(Condition::KeywordsAll(each(list, |v| keyword(check, v))));
    }
    if let Some(list) = non_empty(check, "keywords_none", raw.keywords_none) {
        out.push(Condition::KeywordsNone(each(list, |v| keyword(check, v))));
    }
    if let Some(list) = non_empty(check, "tokens_any", raw.tokens_any) {
        out.push(Condition::TokensAny(each(list, |v| keyword(check, v))));
    }
    if let Some(list) = non_empty(check, "tokens_all", raw.tokens_all) {
        out.push(Condition::TokensAll(each(list, |v| keyword(check, v))));
    }
    if let Some(list) = non_empty(check, "hashtags", raw.hashtags) {
        let tag = |v: Spanned<String>| {
            let inner = v.get_ref().trim().trim_matches('#').to_string();
            keyword(check, Spanned::new(v.span(), inner))
        };
        out.push(Condition::Hashtags(each(list, tag)));
    }
    if let Some(list) = non_empty(check, "category", raw.category) {
        out.push(Condition::Category(each(list, |v| {
            word(check, "category", v)
        })));
    }
    if let Some(list) = non_empty(check, "details", raw.details) {
        let choices = DetailKind::CHOICES;
        out.push(Condition::Details(each(list, |v| {
            check.choose("detail", &v, &choices)
        })));
    }
    if let Some(pattern) = raw.regex {
        // Rules match the folded (lowercased, NFKC) text, so a pattern written
        // with capitals must not silently never match.
        match RegexBuilder::new(pattern.get_ref())
            .case_insensitive(true)
            .build()
        {
            Ok(regex) => out.push(Condition::Regex(regex)),
            Err(e) => check.report(
                pattern.span(),
                format!("invalid regex: {}", regex_error(&e)),
            ),
        }
    }
    if let Some(list) = non_empty(check, "sender", raw.sender) {
        let parse = |v: Spanned<String>| {
            SenderPattern::parse(v.get_ref())
                .map_err(|message| check.report(v.span(), message))
                .ok()
        };
        out.push(Condition::Sender(each(list, parse)));
    }
    if let Some(wanted) = raw.has_attachments {
        out.push(Condition::HasAttachments(wanted));
    }
    if let Some(list) = non_empty(check, "item_kind", raw.item_kind) {
        let kind = |v: Spanned<String>| word(check, "item_kind", v).map(|k| k.to_lowercase());
        out.push(Condition::ItemKind(each(list, kind)));
    }
    out
}

fn actions(check: &mut FileCheck<'_>, raw: RawThen) -> RuleActions {
    let choices = PRIORITIES;
    RuleActions {
        open_ticket: raw.open_ticket.unwrap_or(false),
        queue: raw.queue.and_then(|v| word(check, "queue", v)),
        priority: raw
            .priority
            .and_then(|v| check.choose("priority", &v, &choices)),
        category: raw.category.and_then(|v| word(check, "category", v)),
        tags: raw
            .tags
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| word(check, "tag", v))
            .collect(),
        ignore: raw.ignore.unwrap_or(false),
        stop: raw.stop.unwrap_or(false),
        instant_reply: raw.instant_reply.and_then(|v| instant_reply(check, v)),
        draft_reply: raw.draft_reply.and_then(|v| draft_reply(check, v)),
        join_ticket: raw.join_ticket.and_then(|v| join_target(check, v)),
    }
}

/// `draft_reply = "name"`: a reply to the message itself on its own channel,
/// for review. Only Weibo and WeChat publish drafts, so the template must fit
/// both of their limits.
fn draft_reply(check: &mut FileCheck<'_>, value: Spanned<String>) -> Option<DraftTemplate> {
    let (name, template) = template_named(check, value.clone())?;
    for channel in [Channel::Weibo, Channel::Wechat] {
        if let Err(why) = fits_channel(&template, channel, "") {
            check.report(
                value.span(),
                format!("draft_reply: template `{name}` on {channel} {why}"),
            );
            return None;
        }
    }
    Some(DraftTemplate { name, template })
}

/// `join_ticket = "20261128-000042"` or `"topic:<id>"`. Whether the topic
/// exists is checked once every file is read ([`check_join_topics`]).
fn join_target(check: &mut FileCheck<'_>, value: Spanned<String>) -> Option<JoinTarget> {
    let text = value.get_ref().trim();
    if let Some(topic) = text.strip_prefix("topic:") {
        let topic = topic.trim();
        if !topic.is_empty() {
            return Some(JoinTarget::Topic(topic.to_string()));
        }
    } else if let Some(number) = TicketNumber::find_in_subject(&format!("[#{text}]")) {
        return Some(JoinTarget::Ticket(number.0));
    }
    check.report(
        value.span(),
        format!(
            "join_ticket = \"{text}\": write a ticket number (20261128-000042) or topic:<topic id>"
        ),
    );
    None
}

/// Reports rules that join the incident of a topic no file defines.
fn check_join_topics(set: &RuleSet, problems: &mut Vec<Problem>) {
    for rule in &set.rules {
        if let Some(JoinTarget::Topic(topic)) = &rule.then.join_ticket
            && !set.topics.iter().any(|t| &t.id == topic)
        {
            problems.push(Problem {
                file: rule.file.clone(),
                line: rule.line,
                column: 1,
                message: format!(
                    "rule `{}`: join_ticket names topic `{topic}`, which no [[topic]] defines",
                    rule.id
                ),
            });
        }
    }
}

/// `instant_reply = "name"`: `templates/<name>.txt` next to the rule file,
/// parsed now so a typo is a config problem rather than a broken reply.
fn instant_reply(check: &mut FileCheck<'_>, value: Spanned<String>) -> Option<InstantReply> {
    let (name, template) = template_named(check, value)?;
    Some(InstantReply { name, template })
}

/// `templates/<name>.txt` next to the rule file, parsed.
fn template_named(
    check: &mut FileCheck<'_>,
    value: Spanned<String>,
) -> Option<(String, Arc<Template>)> {
    let name = value.get_ref().trim();
    let well_formed = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        let message = format!(
            "invalid template name \"{name}\": use up to 64 of a-z, A-Z, 0-9, - and _ (the file is templates/<name>.txt)"
        );
        check.report(value.span(), message);
        return None;
    }
    let dir = check.source.path.parent().unwrap_or(Path::new("."));
    let path = dir.join("templates").join(format!("{name}.txt"));
    if !path.is_file() {
        let message = format!("no template {}", path.display());
        check.report(value.span(), message);
        return None;
    }
    let mut problems = Vec::new();
    let template = load_template(&path, &mut problems);
    check.report_elsewhere(problems);
    Some((name.to_string(), Arc::new(template?)))
}

/// The list's elements, unless it is empty: an empty list would never match,
/// which is never what the author meant.
fn non_empty(
    check: &mut FileCheck<'_>,
    key: &str,
    list: Option<SpannedList>,
) -> Option<Vec<Spanned<String>>> {
    let list = list?;
    if list.get_ref().is_empty() {
        let message =
            format!("`{key}` is empty and would never match: remove it to match every message");
        check.report(list.span(), message);
        return None;
    }
    Some(list.into_inner())
}

/// Validates every element (each reports its own problem) and keeps the valid ones.
fn each<T>(
    list: Vec<Spanned<String>>,
    validate: impl FnMut(Spanned<String>) -> Option<T>,
) -> Vec<T> {
    list.into_iter().filter_map(validate).collect()
}

fn known_connector(
    check: &mut FileCheck<'_>,
    connectors: &[ConnectorId],
    value: Spanned<String>,
) -> Option<ConnectorId> {
    let id = ConnectorId(value.get_ref().clone());
    if connectors.contains(&id) {
        return Some(id);
    }
    let known = quoted_list(connectors.iter().map(|c| c.0.as_str()));
    let known = if known.is_empty() {
        "none".to_string()
    } else {
        known
    };
    let message =
        format!("unknown connector `{id}`: there is no connectors/{id}.toml (known: {known})");
    check.report(value.span(), message);
    None
}

/// A keyword in the matching form message text is analysed into (NFKC,
/// simplified, lowercase, aliases folded), so `"Refund"` matches
/// `ＲＥＦＵＮＤ` and `"退款"` matches `退款` written in traditional characters.
fn keyword(check: &mut FileCheck<'_>, value: Spanned<String>) -> Option<String> {
    let folded = match normalizer() {
        Some(normalizer) => normalizer.normalize(value.get_ref()),
        None => crate::text::fold(value.get_ref()),
    };
    if folded.is_empty() {
        check.report(value.span(), "keywords must not be empty");
        return None;
    }
    Some(folded)
}

/// The built-in normalizer (its t2s tables are built once per process).
fn normalizer() -> Option<&'static crate::analysis::Normalizer> {
    static NORMALIZER: std::sync::OnceLock<Option<crate::analysis::Normalizer>> =
        std::sync::OnceLock::new();
    NORMALIZER
        .get_or_init(|| crate::analysis::Normalizer::new().ok())
        .as_ref()
}

fn word(check: &mut FileCheck<'_>, what: &str, value: Spanned<String>) -> Option<String> {
    let text = value.get_ref().trim();
    if text.is_empty() {
        check.report(value.span(), format!("{what} must not be empty"));
        return None;
    }
    Some(text.to_string())
}

/// regex's syntax errors are a multi-line drawing; keep the one line that says what is wrong.
fn regex_error(error: &regex::Error) -> String {
    match error {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix("error: "))
            .unwrap_or(text.trim())
            .to_string(),
        regex::Error::CompiledTooBig(limit) => format!("it compiles to more than {limit} bytes"),
        other => other.to_string(),
    }
}

/// Rules from TOML text, for tests elsewhere in `rules`; panics on problems.
#[cfg(test)]
pub(super) fn parse_for_test(text: &str, connectors: &[ConnectorId]) -> RuleSet {
    let (set, problems) = tests::check_set("rules/test.toml", text, connectors);
    assert!(problems.is_empty(), "{problems:?}");
    set
}

#[cfg(test)]
mod tests;
