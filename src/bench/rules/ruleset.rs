//! The rules the benchmark runs: the shipped `rules/` tree (rule files,
//! dictionaries, templates) copied to a scratch directory, plus a generated
//! file of per-message rules that brings the count to `--rules`, all loaded
//! through `config::load_rules` as the daemon loads them. The generated
//! rules use every kind of condition the format has (keywords, words,
//! regexes, hashtags, details, channel, category, vetoes) on words the
//! rendered texts do and do not contain, so some match and most fail at
//! some condition, as in a real rule set.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::bench::BenchError;
use crate::rules::{RuleSet, TopicRule};
use crate::trends::TopicSpec;

/// The shipped topic rule (`rules/40-topics.toml`) of each seed topic of
/// the simulation, in `trends::sim::SEED_TOPICS` order.
pub const SEED_TOPIC_RULES: [&str; 6] = [
    "huabei-overdue",
    "merchant-refund-delay",
    "mistransfer-fraud",
    "cross-border-freeze",
    "d12-hongbao-fail",
    "card-data-leak",
];

/// The generated rules' file: after the shipped ones, so it sees their
/// categories (`category` conditions) and its own override theirs.
const GENERATED_FILE: &str = "50-bench-generated.toml";

/// What the engine is told about a topic rule: its trigger, field by field
/// (the mapping the incident desk uses).
pub fn spec_of(topic: &TopicRule) -> TopicSpec {
    let t = &topic.trigger;
    TopicSpec {
        id: topic.id.clone(),
        window: t.window,
        min_count: t.min_count,
        min_ratio: t.min_ratio,
        p_value: t.p_value,
        for_: t.hold,
        keep_firing_for: t.keep_firing_for,
        cooldown: t.cooldown,
        lambda_floor: t.baseline_floor,
    }
}

/// The engine specs of the enabled topics of `rules`.
pub fn topic_specs(rules: &RuleSet) -> Vec<TopicSpec> {
    rules
        .topics
        .iter()
        .filter(|t| t.enabled)
        .map(spec_of)
        .collect()
}

/// Loads the rules tree under `base_dir/rules` as the daemon does.
pub fn load(base_dir: &Path) -> Result<RuleSet, BenchError> {
    crate::config::load_rules(base_dir, &[]).map_err(|p| BenchError::Config(p.to_string()))
}

/// Copies the rules directory `shipped` to `scratch/rules`, adds generated
/// rules until there are `total` rules, and loads the result. Returns the
/// rules and how many were generated.
pub fn load_with_generated(
    shipped: &Path,
    scratch: &Path,
    total: usize,
) -> Result<(RuleSet, usize), BenchError> {
    let tree = scratch.join("rules");
    let _ = std::fs::remove_dir_all(&tree);
    copy_tree(shipped, &tree, 2)?;
    // Count what the shipped files hold first, through the same loader.
    let shipped_rules = load(scratch)?.rules.len();
    let generated = total.saturating_sub(shipped_rules);
    std::fs::write(tree.join(GENERATED_FILE), generated_rules(generated))?;
    let rules = load(scratch)?;
    Ok((rules, generated))
}

/// Copies `from` into `to`: files, and directories down to `depth` levels
/// (`dict/`, `templates/`).
fn copy_tree(from: &Path, to: &Path, depth: usize) -> Result<(), BenchError> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path: PathBuf = entry?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        if path.is_dir() {
            if depth > 1 {
                copy_tree(&path, &to.join(name), depth - 1)?;
            }
        } else {
            std::fs::copy(&path, to.join(name))?;
        }
    }
    Ok(())
}

/// Words the rendered texts contain.
const PRESENT: &[&str] = &[
    "支付宝",
    "客服",
    "转账",
    "余额宝",
    "验证码",
    "提现",
    "账单",
    "密码",
    "登录",
    "发票",
    "芝麻信用",
    "蚂蚁森林",
    "医保",
    "公交",
    "外卖",
    "打车",
    "积分",
    "会员",
    "订单",
    "二维码",
    "人工",
    "投诉",
    "截图",
    "进度",
    "收款",
    "付款",
    "充值",
    "手机号",
    "到账",
    "扣款",
    "银行卡",
    "花呗",
    "借呗",
    "退款",
    "商家",
    "红包",
    "冻结",
    "境外",
    "诈骗",
    "泄露",
];

/// Words they never contain (other Alibaba products and services).
const ABSENT: &[&str] = &[
    "基金定投",
    "蚂蚁庄园",
    "网商贷",
    "芭芭农场",
    "车险",
    "闲鱼",
    "淘宝",
    "饿了么",
    "口碑",
    "高德",
    "盒马",
    "天猫",
    "钉钉",
    "菜鸟",
    "飞猪",
];

/// Regexes on the normalized text.
const REGEXES: &[&str] = &[
    r"\d{28}",
    r"1[3-9]\d{9}",
    r"(?:退|还)款.{0,8}(?:失败|没到|未到)",
    r"¥\s?\d[\d,]*(?:\.\d{1,2})?",
    r"\d+(?:\.\d+)?(?:元|块)",
    r"(?:冻结|封号|限制).{0,10}(?:申诉|解封|解冻)",
    r"(?:打不开|用不了|没反应|不能用)",
    r"(?:一直|总是|老是).{0,6}(?:失败|转圈|卡)",
    r"(?:客服|人工).{0,6}(?:不理|没人|打不通|不回)",
    r"(?:12315|消协|报警)",
    r"#[^#]{1,20}#",
    r"\d{1,2}月\d{1,2}[日号]",
    r"//@",
    r"http://t\.cn/\w+",
];

/// Words as jieba cuts them with the shipped dictionary.
const TOKENS: &[&str] = &[
    "花呗",
    "借呗",
    "余额宝",
    "风控",
    "冻结",
    "退款",
    "逾期",
    "客服",
    "红包",
    "验证码",
    "提现",
    "银行卡",
    "账单",
    "发票",
    "转账",
    "商家",
    "征信",
    "盗刷",
];

/// Hashtags, present and not.
const HASHTAGS: &[&str] = &[
    "支付宝",
    "吐槽",
    "双十二",
    "花呗逾期",
    "退款难",
    "防诈骗",
    "信息泄露",
    "跨境支付",
    "抢红包",
    "打工人日常",
    "余额宝收益",
    "蚂蚁森林",
];

/// `details` names.
const DETAILS: &[&str] = &[
    "order_number",
    "amount",
    "time",
    "phone",
    "bank_card",
    "account",
    "id_card",
];

/// Categories the shipped rules set.
const CATEGORIES: &[&str] = &[
    "promotion",
    "refund",
    "credit",
    "cross-border",
    "security",
    "fraud",
];

const CHANNELS: &[&str] = &["weibo", "wechat", "email"];
const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];

/// `n` generated `[[rule]]`s, every kind of condition in turn.
pub fn generated_rules(n: usize) -> String {
    let mut out = String::from(
        "# Generated by `omnilisten bench rules`: per-message rules of every\n\
         # condition kind, so the benchmark runs a rule set of realistic size.\n",
    );
    let at = |list: &[&'static str], i: usize| list[i % list.len()];
    let quoted = |words: &[&str]| {
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for i in 0..n {
        let kind = i % 10;
        let names = [
            "keywords",
            "all",
            "regex",
            "words",
            "all-words",
            "hashtags",
            "details",
            "veto",
            "category",
            "channel",
        ];
        let _ = write!(
            out,
            "\n[[rule]]\nid = \"bench-{i:03}-{}\"\ndescription = \"generated rule {i}\"\n[rule.when]\n",
            names[kind]
        );
        // Three of four keyword lists hold a word the texts contain.
        let word = |j: usize| {
            if (i + j) % 4 == 3 {
                at(ABSENT, i * 7 + j)
            } else {
                at(PRESENT, i * 13 + j * 5)
            }
        };
        let when = match kind {
            0 => format!(
                "keywords_any = [{}]\n",
                quoted(&[word(0), word(1), word(2)])
            ),
            1 => format!("keywords_all = [{}]\n", quoted(&[word(0), word(1)])),
            2 => format!("regex = '{}'\n", at(REGEXES, i / 10)),
            3 => format!(
                "tokens_any = [{}]\n",
                quoted(&[at(TOKENS, i), at(TOKENS, i + 7)])
            ),
            4 => format!(
                "tokens_all = [{}]\n",
                quoted(&[at(TOKENS, i), at(TOKENS, i + 3)])
            ),
            5 => format!(
                "hashtags = [{}]\n",
                quoted(&[at(HASHTAGS, i), at(HASHTAGS, i + 5)])
            ),
            6 => format!(
                "channel = [\"{}\"]\ndetails = [{}]\n",
                at(CHANNELS, i),
                quoted(&[at(DETAILS, i), at(DETAILS, i + 2)])
            ),
            7 => format!(
                "keywords_any = [{}]\nkeywords_none = [{}]\n",
                quoted(&[word(0), word(1)]),
                quoted(&[at(ABSENT, i), at(PRESENT, i + 11)])
            ),
            8 => format!(
                "category = [\"{}\"]\ndetails = [\"{}\"]\n",
                at(CATEGORIES, i / 10),
                at(DETAILS, i)
            ),
            _ => format!(
                "channel = [\"{}\"]\nkeywords_any = [{}]\nregex = '{}'\n",
                at(CHANNELS, i),
                quoted(&[word(0), word(1)]),
                at(REGEXES, i / 10 + 3)
            ),
        };
        out.push_str(&when);
        let _ = write!(out, "[rule.then]\ntags = [\"bench-{}\"]\n", i % 17);
        if kind == 5 || kind == 9 {
            let _ = writeln!(out, "queue = \"bench-{}\"", i % 5);
        }
        if kind == 6 || kind == 8 {
            let _ = writeln!(out, "priority = \"{}\"", at(PRIORITIES, i));
        }
    }
    out
}
