use super::*;

/// Checks one rule file's text; the rules and the problems as `line: message`.
pub(super) fn check_text(
    path: &str,
    text: &str,
    connectors: &[ConnectorId],
) -> (Vec<Rule>, Vec<Problem>) {
    let (rules, _, problems) = check_full(path, text, connectors);
    (rules, problems)
}

/// Checks one rule file's text; the whole set (with `[emerging]`) and the problems.
pub(super) fn check_set(
    path: &str,
    text: &str,
    connectors: &[ConnectorId],
) -> (RuleSet, Vec<Problem>) {
    let mut context = RuleContext::new(connectors);
    let source = SourceFile {
        path: path.into(),
        text: text.into(),
    };
    let mut problems = Vec::new();
    let (rules, topics) = rules_in_source(&source, Path::new("."), &mut context, &mut problems);
    let set = RuleSet {
        rules,
        topics,
        emerging: context.emerging,
        analyzer: None,
    };
    (set, problems)
}

/// Checks one rule file's text; its rules, its topics and the problems.
pub(super) fn check_full(
    path: &str,
    text: &str,
    connectors: &[ConnectorId],
) -> (Vec<Rule>, Vec<TopicRule>, Vec<Problem>) {
    let mut context = RuleContext::new(connectors);
    let source = SourceFile {
        path: path.into(),
        text: text.into(),
    };
    let mut problems = Vec::new();
    let (rules, topics) = rules_in_source(&source, Path::new("."), &mut context, &mut problems);
    (rules, topics, problems)
}

fn check_with(context: &mut RuleContext<'_>, path: &str, text: &str) -> (Vec<Rule>, Vec<Problem>) {
    let source = SourceFile {
        path: path.into(),
        text: text.into(),
    };
    let mut problems = Vec::new();
    let (rules, _) = rules_in_source(&source, Path::new("."), context, &mut problems);
    (rules, problems)
}

fn problems_of(text: &str) -> Vec<(usize, String)> {
    let connectors = [ConnectorId("samples".into())];
    let (_, problems) = check_text("rules/x.toml", text, &connectors);
    problems.into_iter().map(|p| (p.line, p.message)).collect()
}

const FULL: &str = r#"
[[rule]]
id = "refund"
description = "退款 mail from the bank"
[rule.when]
channel = ["email"]
connector = ["samples"]
mail_kind = ["human", "auto_reply"]
keywords_any = ["退款", "ＲＥＦＵＮＤ"]
keywords_all = ["花呗"]
regex = '\d{28}'
sender = ["*@Bank.example", "a@b.c"]
has_attachments = false
[rule.then]
open_ticket = true
queue = "email"
priority = "high"
category = "refund"
tags = ["money"]
stop = true
"#;

#[test]
fn a_full_rule_becomes_conditions_in_evaluation_order() {
    let rules = parse_for_test(FULL, &[ConnectorId("samples".into())]).rules;
    assert_eq!(rules.len(), 1);
    let rule = &rules[0];
    assert_eq!(
        (rule.id.as_str(), rule.line, rule.enabled),
        ("refund", 2, true)
    );
    let kinds: Vec<String> = rule
        .conditions
        .iter()
        .map(|c| {
            format!("{c:?}")
                .split('(')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Channel",
            "Connector",
            "MailKind",
            "KeywordsAny",
            "KeywordsAll",
            "Regex",
            "Sender",
            "HasAttachments"
        ]
    );
    let Condition::KeywordsAny(keywords) = &rule.conditions[3] else {
        panic!("keywords_any expected");
    };
    assert_eq!(
        keywords,
        &["退款", "refund"],
        "keywords are folded like the text"
    );
    let Condition::Sender(senders) = &rule.conditions[6] else {
        panic!("sender expected");
    };
    assert_eq!(senders[0], SenderPattern::Suffix("@bank.example".into()));
    assert_eq!(rule.then.priority, Some(Priority::High));
    assert!(rule.then.open_ticket && rule.then.stop && !rule.then.ignore);
}

#[test]
fn duplicate_ids_are_reported_across_files_with_the_first_place() {
    let connectors = [];
    let mut context = RuleContext::new(&connectors);
    let rule = "\n[[rule]]\nid = \"same\"\n";
    let (first, problems) = check_with(&mut context, "rules/00-a.toml", rule);
    assert_eq!((first.len(), problems.len()), (1, 0));
    let (second, problems) = check_with(&mut context, "rules/10-b.toml", &format!("# b\n{rule}"));
    assert!(second.is_empty());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].file, PathBuf::from("rules/10-b.toml"));
    assert_eq!((problems[0].line, problems[0].column), (4, 6));
    assert_eq!(
        problems[0].message,
        "duplicate rule id `same`: already used at rules/00-a.toml:2"
    );
}

#[test]
fn an_invalid_regex_is_one_line_at_the_regex() {
    let problems = problems_of("[[rule]]\nid = \"r\"\n[rule.when]\nregex = '\\d{28'\n");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].0, 4);
    assert!(
        problems[0].1.starts_with("invalid regex: "),
        "{}",
        problems[0].1
    );
    assert!(!problems[0].1.contains('\n'));
}

#[test]
fn mistakes_in_head_when_and_then_are_all_reported() {
    let text = r#"[[rule]]
id = "r"
enabeld = true
[rule.when]
channel = ["email", "qq"]
connector = ["nope"]
mail_kind = ["robot"]
keywords_any = []
sendr = ["a@b.c"]
[rule.then]
priority = "hgh"
queue = ""
"#;
    let problems = problems_of(text);
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, [3, 5, 6, 7, 8, 9, 11, 12], "{problems:#?}");
    assert!(problems[0].1.contains("did you mean `enabled`"));
    assert_eq!(
        problems[1].1,
        "unknown channel `qq`: expected one of `email`, `weibo`, `wechat`"
    );
    assert_eq!(
        problems[2].1,
        "unknown connector `nope`: there is no connectors/nope.toml (known: `samples`)"
    );
    assert!(problems[3].1.starts_with("unknown mail kind `robot`"));
    assert!(problems[4].1.contains("would never match"));
    assert!(problems[5].1.contains("did you mean `sender`"));
    assert_eq!(
        problems[6].1,
        "unknown priority `hgh`: expected one of `low`, `normal`, `high`, `urgent`"
    );
    assert_eq!(problems[7].1, "queue must not be empty");
}

#[test]
fn shape_mistakes_are_reported() {
    let single = problems_of("[rule]\nid = \"r\"\n");
    assert_eq!(
        single,
        [(
            1,
            "write each rule as [[rule]] (an array of tables), not [rule]".to_string()
        )]
    );
    let stray = problems_of("title = \"x\"\n");
    assert!(stray[0].1.starts_with("unknown key `title`"));
    let missing_id = problems_of("# no id\n[[rule]]\ndescription = \"x\"\n");
    assert_eq!(missing_id, [(2, "missing field `id`".to_string())]);
    let bad_id = problems_of("[[rule]]\nid = \"Refund Rule\"\n");
    assert!(bad_id[0].1.starts_with("invalid rule id"));
    let when_not_table = problems_of("[[rule]]\nid = \"r\"\nwhen = 3\n");
    assert_eq!(when_not_table[0].0, 3);
    assert!(
        when_not_table[0].1.contains("[rule.when] table"),
        "{when_not_table:?}"
    );
}

#[test]
fn bad_sender_patterns_and_empty_keywords_are_reported() {
    let text =
        "[[rule]]\nid = \"r\"\n[rule.when]\nsender = [\"a*@b.c\", \"*\"]\nkeywords_all = [\" \"]\n";
    let problems = problems_of(text);
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, [4, 4, 5]);
}

#[test]
fn every_example_in_the_rules_readme_is_valid() {
    let readme = include_str!("../../../rules/README.md");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(blocks.len() >= 5, "examples expected");
    for block in blocks {
        let (set, problems) = check_set("rules/README.md", block, &[]);
        assert!(problems.is_empty(), "{block}\n{problems:#?}");
        let emerging = usize::from(set.emerging.is_some());
        assert_eq!(set.rules.len() + set.topics.len() + emerging, 1, "{block}");
    }
}

#[test]
fn instant_reply_names_a_parsed_template_next_to_the_rule_file() {
    let text = "[[rule]]\nid = \"a\"\n[rule.then]\ninstant_reply = \"wechat-received\"\n";
    let (rules, problems) = check_text("rules/x.toml", text, &[]);
    assert!(problems.is_empty(), "{problems:?}");
    let reply = rules[0].then.instant_reply.as_ref().expect("loaded");
    assert_eq!(reply.name, "wechat-received");

    let bad = "[[rule]]\nid = \"a\"\n[rule.then]\ninstant_reply = \"missing\"\n\n[[rule]]\nid = \"b\"\n[rule.then]\ninstant_reply = \"../secrets\"\n";
    let problems = problems_of(bad);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, 4);
    assert!(
        problems[0]
            .1
            .contains("no template rules/templates/missing.txt"),
        "{problems:?}"
    );
    assert!(
        problems[1].1.starts_with("invalid template name"),
        "{problems:?}"
    );
}

#[test]
fn a_broken_template_is_reported_in_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates/t.txt"), "工单 {tikcet}").unwrap();
    let path = dir.path().join("r.toml");
    let text = "[[rule]]\nid = \"a\"\n[rule.then]\ninstant_reply = \"t\"\n";
    let (rules, problems) = check_text(path.to_str().unwrap(), text, &[]);
    assert!(rules[0].then.instant_reply.is_none());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].file.ends_with("templates/t.txt"),
        "{problems:?}"
    );
    assert!(problems[0].message.contains("tikcet"), "{problems:?}");
}

#[test]
fn item_kind_is_a_non_empty_list_of_words() {
    let problems = problems_of("[[rule]]\nid = \"a\"\n[rule.when]\nitem_kind = []\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let rules = parse_for_test(
        "[[rule]]\nid = \"a\"\n[rule.when]\nitem_kind = [\"Text\"]\n",
        &[],
    )
    .rules;
    assert!(matches!(&rules[0].conditions[0], Condition::ItemKind(k) if k == &["text"]));
}

const TOPIC: &str = r#"
[[topic]]
id = "d12-hongbao"
title = "双十二抢红包失败"
[topic.when]
keywords_any = ["红包"]
keywords_all = ["失败"]
[topic.trigger]
window = "5m"
min_count = 12
min_ratio = 4.0
p_value = 1e-6
for = "1m"
keep_firing_for = "20m"
cooldown = "3h"
baseline_floor = 1.5
[topic.then]
queue = "campaign-ops"
priority = "high"
category = "promotion"
drafts = { weibo = "short", wechat = "short" }
"#;

fn topic_dir(templates: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    for (name, text) in templates {
        std::fs::write(dir.path().join(format!("templates/{name}.txt")), text).unwrap();
    }
    dir
}

#[test]
fn a_topic_reads_its_conditions_trigger_and_per_channel_drafts() {
    let dir = topic_dir(&[(
        "short",
        "{name}您好，{topic}的问题我们已在处理，工单 {ticket}。",
    )]);
    let path = dir.path().join("t.toml");
    let (rules, topics, problems) = check_full(path.to_str().unwrap(), TOPIC, &[]);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(rules.is_empty());
    let topic = &topics[0];
    assert_eq!(topic.title, "双十二抢红包失败");
    assert_eq!(topic.conditions.len(), 2);
    assert_eq!(topic.trigger.window, std::time::Duration::from_secs(300));
    assert_eq!(topic.trigger.min_count, 12);
    assert_eq!(topic.trigger.hold, std::time::Duration::from_secs(60));
    assert_eq!(
        topic.trigger.cooldown,
        std::time::Duration::from_secs(3 * 3600)
    );
    assert!((topic.trigger.p_value - 1e-6).abs() < 1e-12);
    assert!(topic.then.incident);
    assert_eq!(topic.then.queue.as_deref(), Some("campaign-ops"));
    assert_eq!(
        topic.then.drafts.keys().copied().collect::<Vec<_>>(),
        vec![Channel::Weibo, Channel::Wechat]
    );
}

#[test]
fn a_topic_has_defaults_and_must_be_about_something() {
    let rules = parse_for_test(
        "[[topic]]\nid = \"refunds\"\n[topic.when]\nkeywords_any = [\"退款\"]\n",
        &[],
    );
    let topic = &rules.topics[0];
    assert_eq!(topic.title, "refunds");
    assert_eq!(topic.trigger, Trigger::default());
    assert!(topic.then.incident);
    let problems = problems_of("[[topic]]\nid = \"t\"\n[topic.when]\nchannel = [\"weibo\"]\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].1.contains("not about anything"), "{problems:?}");
}

#[test]
fn trigger_mistakes_are_each_reported_at_their_line() {
    let problems = problems_of(
        "[[topic]]\nid = \"t\"\n[topic.when]\nkeywords_any = [\"退款\"]\n[topic.trigger]\nwindow = \"10s\"\nmin_count = 0\nmin_ratio = 0.5\np_value = 2.0\nfor = \"soon\"\n",
    );
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, vec![6, 7, 8, 9, 10], "{problems:?}");
}

#[test]
fn a_draft_template_too_long_for_weibo_is_refused_by_check() {
    let long = "您好，".repeat(45) + "工单 {ticket}";
    let dir = topic_dir(&[("short", "工单 {ticket}"), ("long", &long)]);
    let path = dir.path().join("t.toml");
    let text = TOPIC
        .replace("wechat = \"short\"", "wechat = \"long\"")
        .replace("weibo = \"short\"", "weibo = \"long\"");
    let (_, topics, problems) = check_full(path.to_str().unwrap(), &text, &[]);
    assert_eq!(
        problems.len(),
        1,
        "WeChat takes it, Weibo does not: {problems:?}"
    );
    assert!(problems[0].message.contains("drafts.weibo"), "{problems:?}");
    assert!(problems[0].message.contains("140"), "{problems:?}");
    assert!(topics[0].then.drafts.contains_key(&Channel::Wechat));
    let unknown = TOPIC.replace("weibo = \"short\"", "douyin = \"short\"");
    let (_, _, problems) = check_full(path.to_str().unwrap(), &unknown, &[]);
    assert!(
        problems.iter().any(|p| p.message.contains("douyin")),
        "{problems:?}"
    );
}

#[test]
fn topic_and_rule_ids_share_one_namespace() {
    let problems = problems_of(
        "[[rule]]\nid = \"x\"\n\n[[topic]]\nid = \"x\"\n[topic.when]\nkeywords_any = [\"a\"]\n",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].1.contains("duplicate"), "{problems:?}");
}

#[test]
fn draft_reply_must_fit_weibo_and_wechat() {
    let long = "您好，".repeat(45) + "工单 {ticket}";
    let dir = topic_dir(&[("short", "{name}您好，工单 {ticket}"), ("long", &long)]);
    let path = dir.path().join("r.toml");
    let text = "[[rule]]\nid = \"a\"\n[rule.then]\ndraft_reply = \"short\"\n\n[[rule]]\nid = \"b\"\n[rule.then]\ndraft_reply = \"long\"\n";
    let (rules, problems) = check_text(path.to_str().unwrap(), text, &[]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 9);
    assert!(
        problems[0]
            .message
            .contains("draft_reply: template `long` on weibo"),
        "{problems:?}"
    );
    assert_eq!(
        rules[0].then.draft_reply.as_ref().map(|t| t.name.as_str()),
        Some("short")
    );
    assert!(rules[1].then.draft_reply.is_none());
}

#[test]
fn join_ticket_takes_a_ticket_number_or_a_defined_topic() {
    let set = parse_for_test(
        "[[rule]]\nid = \"a\"\n[rule.then]\njoin_ticket = \"20261212-000042\"\n\n[[rule]]\nid = \"b\"\n[rule.then]\njoin_ticket = \"topic:t\"\n\n[[topic]]\nid = \"t\"\n[topic.when]\nkeywords_any = [\"退款\"]\n",
        &[],
    );
    assert_eq!(
        set.rules[0].then.join_ticket,
        Some(JoinTarget::Ticket("20261212-000042".into()))
    );
    assert_eq!(
        set.rules[1].then.join_ticket,
        Some(JoinTarget::Topic("t".into()))
    );
    let problems = problems_of("[[rule]]\nid = \"a\"\n[rule.then]\njoin_ticket = \"#42\"\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].1.contains("topic:<topic id>"), "{problems:?}");

    let mut problems = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.toml");
    std::fs::write(
        &file,
        "[[rule]]\nid = \"a\"\n[rule.then]\njoin_ticket = \"topic:nope\"\n",
    )
    .unwrap();
    let set = load_files(&[file], dir.path(), &[], &mut problems);
    assert_eq!(set.rules.len(), 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 1);
    assert!(
        problems[0].message.contains("no [[topic]] defines"),
        "{problems:?}"
    );
}

#[test]
fn emerging_is_one_table_with_checked_values() {
    let set = parse_for_test(
        "[emerging]\nmin_score = 15\nmin_authors = 30\nqueue = \"trends\"\npriority = \"high\"\nquiet_for = \"30m\"\nignore = [\"双十二\", \"＃支付宝＃\"]\n",
        &[],
    );
    let e = set.emerging.expect("emerging");
    assert!(e.open_ticket);
    assert_eq!((e.min_score, e.min_authors), (15.0, 30));
    assert_eq!(e.queue, "trends");
    assert_eq!(e.priority, Priority::High);
    assert_eq!(e.quiet_for, std::time::Duration::from_secs(1800));
    assert_eq!(e.cooldown, std::time::Duration::from_secs(86_400));
    assert!(!e.may_open("双十二"));
    assert!(
        !e.may_open("#支付宝#"),
        "ignore is normalized: {:?}",
        e.ignore
    );
    assert!(e.may_open("#蚂蚁森林#"));
    assert!(
        parse_for_test("[[rule]]\nid = \"a\"\n", &[])
            .emerging
            .is_none()
    );

    let problems = problems_of(
        "[emerging]\nmin_score = -1\nmin_authors = 1\nquiet_for = \"soon\"\nsurprise = 1\n",
    );
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, vec![2, 3, 4, 5], "each at its line: {problems:?}");
    assert!(problems[3].1.contains("surprise"), "{problems:?}");

    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::fs::write(&a, "[emerging]\nmin_score = 20\n").unwrap();
    std::fs::write(&b, "# more\n[emerging]\nopen_ticket = false\n").unwrap();
    let mut problems = Vec::new();
    let set = load_files(&[a, b], dir.path(), &[], &mut problems);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 2);
    assert!(
        problems[0].message.contains("already defined"),
        "{problems:?}"
    );
    assert_eq!(set.emerging.map(|e| e.min_score), Some(20.0));
}
