//! A deterministic synthetic stream for tests and benchmarks: weeks of
//! background traffic with a daily rhythm, plus injected topic bursts and
//! term spikes with known onsets (trending.md §1.2, "evaluation harness").
//!
//! Background: volume follows a daily rhythm in China time (quiet 3–6 am,
//! peaks around 10:00 and 21:00, weekends ~20 % lower with a later morning
//! and a stronger evening); each message comes from a large author pool (a
//! small set of heavy users writes ~5 % of them, so the same author often
//! writes twice in a minute), carries Zipf-distributed terms from a fixed
//! vocabulary, and is about each seed topic with a small fixed probability.
//! A topic message is sometimes followed up by the same author minutes later,
//! as complaints are. Bursts add *extra unique authors per minute*, ramping
//! up linearly; spikes do the same for a new term no topic covers.
//!
//! Everything derives from one seed through xorshift64*, so a run is
//! identical on every machine.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::spec::TopicSpec;

/// The six seed topics, in the order their indexes are used.
pub const SEED_TOPICS: [&str; 6] = [
    "花呗逾期",
    "退款",
    "转错账/诈骗",
    "跨境冻结",
    "抢红包失败",
    "信息泄露",
];

/// Terms a message about each seed topic carries (two are drawn).
const TOPIC_TERMS: [&[&str]; 6] = [
    &["花呗", "逾期", "征信", "还款", "违约金"],
    &["退款", "商家", "没到账", "退货"],
    &["转错账", "诈骗", "被骗", "冒充客服", "骗子"],
    &["跨境", "冻结", "风控", "海外", "境外支付"],
    &["抢红包", "红包", "失败", "系统繁忙", "双十二"],
    &["信息泄露", "银行卡", "盗刷", "泄露", "陌生交易"],
];

/// The terms a message about seed topic `topic` draws from (empty for an
/// index past [`SEED_TOPICS`]): renderers of text use it to tell a message's
/// topic terms from its background words.
pub fn topic_terms(topic: usize) -> &'static [&'static str] {
    TOPIC_TERMS.get(topic).copied().unwrap_or(&[])
}

/// Whether `term` is one of the simulation's synthetic vocabulary words
/// (the Zipf tail past the common words), which have no meaning of their own.
pub fn is_synthetic_term(term: &str) -> bool {
    term.strip_prefix('词')
        .is_some_and(|rank| !rank.is_empty() && rank.bytes().all(|b| b.is_ascii_digit()))
}

/// The most frequent words, ranked (the rest of the vocabulary is synthetic).
const COMMON_TERMS: [&str; 40] = [
    "支付宝",
    "客服",
    "转账",
    "账户",
    "余额宝",
    "账单",
    "密码",
    "验证码",
    "手机号",
    "到账",
    "扣款",
    "订单",
    "提现",
    "充值",
    "银行卡",
    "投诉",
    "登录",
    "二维码",
    "收款",
    "付款",
    "会员",
    "积分",
    "芝麻信用",
    "借呗",
    "蚂蚁森林",
    "生活缴费",
    "医保",
    "公交",
    "外卖",
    "打车",
    "发票",
    "人工",
    "电话",
    "95188",
    "在线客服",
    "帮助中心",
    "截图",
    "进度",
    "处理",
    "谢谢",
];

/// China Standard Time offset, minutes.
const LOCAL_OFFSET: i64 = 8 * 60;

/// A seeded xorshift64* generator.
#[derive(Debug, Clone)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// A generator for `seed` (any value, including 0).
    pub fn new(seed: u64) -> XorShift64 {
        XorShift64 {
            state: super::hash::mix64(seed ^ 0x2545_F491_4F6C_DD1D) | 1,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A Poisson draw (Knuth below 30, rounded normal above).
    pub fn poisson(&mut self, mean: f64) -> u32 {
        if mean.is_nan() || mean <= 0.0 {
            return 0;
        }
        if mean < 30.0 {
            let limit = (-mean).exp();
            let mut k = 0;
            let mut p = self.next_f64();
            while p > limit {
                k += 1;
                p *= self.next_f64();
            }
            return k;
        }
        let (u1, u2) = (self.next_f64().max(1e-300), self.next_f64());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        (mean + z * mean.sqrt()).round().max(0.0) as u32
    }
}

/// Extra unique authors writing about one seed topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    /// Index into [`SEED_TOPICS`].
    pub topic: usize,
    /// First minute with extra authors.
    pub onset: DateTime<Utc>,
    /// How long it lasts.
    pub duration: Duration,
    /// Extra unique authors per minute once ramped up.
    pub per_minute: u32,
    /// Time to ramp up linearly to `per_minute`.
    pub ramp: Duration,
}

/// Extra unique authors using a term that no topic covers.
#[derive(Debug, Clone, PartialEq)]
pub struct TermSpike {
    /// The new term (a hashtag, say).
    pub term: String,
    /// Terms that come along with it.
    pub companions: Vec<String>,
    /// First minute with extra authors.
    pub onset: DateTime<Utc>,
    /// How long it lasts.
    pub duration: Duration,
    /// Extra unique authors per minute once ramped up.
    pub per_minute: u32,
    /// Time to ramp up linearly.
    pub ramp: Duration,
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Seed of everything random.
    pub seed: u64,
    /// First minute.
    pub start: DateTime<Utc>,
    /// Length of the run.
    pub duration: Duration,
    /// Background messages on a weekday.
    pub messages_per_day: f64,
    /// Weekend volume relative to a weekday.
    pub weekend_factor: f64,
    /// Distinct ordinary authors.
    pub author_pool: u32,
    /// Vocabulary size (Zipf, exponent 1).
    pub vocabulary: usize,
    /// Zipf terms per message (0 = no terms at all, for topic-only runs).
    pub terms_per_message: u32,
    /// Probability that a background message is about each seed topic.
    pub topic_rates: [f64; 6],
    /// Probability that a topic message is followed up by its author 1–10
    /// minutes later.
    pub follow_up: f64,
    /// Injected topic bursts.
    pub bursts: Vec<Burst>,
    /// Injected term spikes.
    pub spikes: Vec<TermSpike>,
}

/// Monday 2025-12-01 00:00 China time.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 30, 16, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            seed: 1,
            start: default_start(),
            duration: Duration::from_secs(7 * 86_400),
            messages_per_day: 60_000.0,
            weekend_factor: 0.8,
            author_pool: 200_000,
            vocabulary: 5_000,
            terms_per_message: 6,
            topic_rates: [0.004, 0.006, 0.003, 0.0015, 0.002, 0.0015],
            follow_up: 0.2,
            bursts: Vec::new(),
            spikes: Vec::new(),
        }
    }
}

/// One generated message, borrowed from the generator.
#[derive(Debug, Clone, Copy)]
pub struct SimMessage<'a> {
    /// Message time.
    pub at: DateTime<Utc>,
    /// Author name.
    pub author: &'a str,
    /// Indexes of the seed topics it is about.
    pub topics: &'a [usize],
    /// Its terms.
    pub terms: &'a [&'a str],
}

/// The six seed topics as [`TopicSpec`]s with default settings.
pub fn seed_topic_specs() -> Vec<TopicSpec> {
    SEED_TOPICS
        .iter()
        .map(|id| TopicSpec {
            id: (*id).to_owned(),
            ..TopicSpec::default()
        })
        .collect()
}

/// Relative message rate at a local hour of day (fractional).
fn rhythm(hour: f64, weekend: bool) -> f64 {
    let bump = |center: f64, width: f64| {
        let d = (hour - center + 12.0).rem_euclid(24.0) - 12.0;
        (-d * d / (2.0 * width * width)).exp()
    };
    if weekend {
        0.05 + 0.8 * bump(11.0, 2.2) + 0.6 * bump(15.5, 3.0) + 1.3 * bump(21.5, 1.8)
    } else {
        0.05 + 1.0 * bump(10.0, 2.0) + 0.55 * bump(15.0, 2.5) + 1.2 * bump(21.0, 1.7)
    }
}

/// Who wrote a planned message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Author {
    /// The ordinary pool.
    Pool(u32),
    /// Burst `.0`'s `.1`-th extra author.
    Burst(u32, u32),
    /// Spike `.0`'s `.1`-th extra author.
    Spike(u32, u32),
}

/// A message of the current minute before it is handed out.
#[derive(Debug, Clone, Copy)]
struct Planned {
    second: u32,
    author: Author,
    /// Bit t: about seed topic t.
    topics: u8,
    /// Range of its term ids in the minute's term buffer.
    terms: (u32, u32),
}

/// The generator.
#[derive(Debug, Clone)]
pub struct Sim {
    config: SimConfig,
    rng: XorShift64,
    /// Every term: common words, synthetic words, topic terms, spike terms.
    vocab: Vec<String>,
    /// Cumulative Zipf weights over the first `config.vocabulary` terms.
    zipf: Vec<f64>,
    /// Vocabulary ids of each topic's terms.
    topic_terms: Vec<Vec<u32>>,
    /// Vocabulary ids of each spike's term and companions.
    spike_terms: Vec<Vec<u32>>,
    /// Per local minute of day, the share of a day's messages (weekday, weekend).
    day_shape: [Vec<f64>; 2],
    /// Scheduled follow-ups: (second, author, topics).
    follow_ups: BinaryHeap<Reverse<(i64, Author, u8)>>,
    /// Extra authors used so far per burst and spike.
    burst_authors: Vec<u32>,
    spike_authors: Vec<u32>,
}

impl Sim {
    /// A generator for `config`.
    pub fn new(config: SimConfig) -> Sim {
        let mut vocab: Vec<String> = COMMON_TERMS.iter().map(|t| (*t).to_owned()).collect();
        let size = config.vocabulary.max(COMMON_TERMS.len());
        for i in COMMON_TERMS.len()..size {
            vocab.push(format!("词{i:05}"));
        }
        let mut total = 0.0;
        let zipf = (0..size)
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        let intern = |term: &str, vocab: &mut Vec<String>| -> u32 {
            match vocab.iter().position(|v| v == term) {
                Some(i) => i as u32,
                None => {
                    vocab.push(term.to_owned());
                    vocab.len() as u32 - 1
                }
            }
        };
        let topic_terms = TOPIC_TERMS
            .iter()
            .map(|terms| terms.iter().map(|t| intern(t, &mut vocab)).collect())
            .collect();
        let spike_terms = config
            .spikes
            .iter()
            .map(|s| {
                std::iter::once(&s.term)
                    .chain(&s.companions)
                    .map(|t| intern(t, &mut vocab))
                    .collect()
            })
            .collect();
        let shape = |weekend: bool| {
            let raw: Vec<f64> = (0..1440)
                .map(|m| rhythm(f64::from(m) / 60.0, weekend))
                .collect();
            let sum: f64 = raw.iter().sum();
            raw.into_iter().map(|r| r / sum).collect()
        };
        Sim {
            rng: XorShift64::new(config.seed),
            vocab,
            zipf,
            topic_terms,
            spike_terms,
            day_shape: [shape(false), shape(true)],
            follow_ups: BinaryHeap::new(),
            burst_authors: vec![0; config.bursts.len()],
            spike_authors: vec![0; config.spikes.len()],
            config,
        }
    }

    /// A Zipf-distributed vocabulary id.
    fn zipf_term(&mut self) -> u32 {
        let total = self.zipf.last().copied().unwrap_or(1.0);
        let u = self.rng.next_f64() * total;
        self.zipf
            .partition_point(|&c| c <= u)
            .min(self.zipf.len() - 1) as u32
    }

    /// Pushes `n` Zipf terms to `terms`.
    fn push_zipf(&mut self, terms: &mut Vec<u32>, n: u32) {
        for _ in 0..n {
            let t = self.zipf_term();
            terms.push(t);
        }
    }

    /// Expected background messages in the UTC minute `minute`.
    fn background_mean(&self, minute: i64) -> f64 {
        let local = minute + LOCAL_OFFSET;
        let day = local.div_euclid(1440);
        // 1970-01-01 was a Thursday: Monday = 0.
        let weekend = (day + 3).rem_euclid(7) >= 5;
        let factor = if weekend {
            self.config.weekend_factor
        } else {
            1.0
        };
        let share = self.day_shape[usize::from(weekend)][local.rem_euclid(1440) as usize];
        self.config.messages_per_day * factor * share
    }

    /// Extra authors of a ramped injection at minute `i` since onset.
    fn ramped(&mut self, i: i64, duration: Duration, ramp: Duration, per_minute: u32) -> u32 {
        let length = (duration.as_secs() / 60) as i64;
        if i < 0 || i >= length {
            return 0;
        }
        let ramp = ((ramp.as_secs() / 60) as i64).max(1);
        let rate = f64::from(per_minute) * ((i + 1) as f64 / ramp as f64).min(1.0);
        let whole = rate.floor();
        whole as u32 + u32::from(self.rng.next_f64() < rate - whole)
    }

    /// Generates the whole run, calling `f` with each message in time order.
    pub fn run(&mut self, mut f: impl FnMut(&SimMessage<'_>)) {
        let first = self.config.start.timestamp().div_euclid(60);
        let minutes = (self.config.duration.as_secs() / 60) as i64;
        let mut planned: Vec<Planned> = Vec::new();
        let mut term_ids: Vec<u32> = Vec::new();
        let mut author = String::new();
        let mut topics: Vec<usize> = Vec::new();
        // Planning never reads the vocabulary; lending it out lets the
        // messages borrow terms while the generator moves on.
        let vocab = std::mem::take(&mut self.vocab);
        let mut terms: Vec<&str> = Vec::new();
        for minute in first..first + minutes {
            planned.clear();
            term_ids.clear();
            self.plan_minute(minute, &mut planned, &mut term_ids);
            planned.sort_by_key(|p| (p.second, p.author));
            for p in &planned {
                author.clear();
                let _ = match p.author {
                    Author::Pool(n) => write!(author, "u{n}"),
                    Author::Burst(b, n) => write!(author, "b{b}-{n}"),
                    Author::Spike(s, n) => write!(author, "s{s}-{n}"),
                };
                topics.clear();
                topics.extend((0..6).filter(|t| p.topics & (1 << t) != 0));
                terms.clear();
                let (from, to) = (p.terms.0 as usize, p.terms.1 as usize);
                terms.extend(
                    term_ids[from..to]
                        .iter()
                        .map(|&t| vocab[t as usize].as_str()),
                );
                let at = DateTime::from_timestamp(minute * 60 + i64::from(p.second), 0)
                    .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
                f(&SimMessage {
                    at,
                    author: &author,
                    topics: &topics,
                    terms: &terms,
                });
            }
        }
        drop(terms);
        self.vocab = vocab;
    }

    /// Plans the messages of one minute.
    fn plan_minute(&mut self, minute: i64, planned: &mut Vec<Planned>, term_ids: &mut Vec<u32>) {
        let per_message = self.config.terms_per_message;
        let with_terms = per_message > 0;
        let mut push = |sim: &mut Sim, second: u32, author: Author, topics: u8, extra: &[u32]| {
            let from = term_ids.len() as u32;
            if with_terms {
                term_ids.extend_from_slice(extra);
                for t in 0..6 {
                    if topics & (1 << t) != 0 {
                        let choices = &sim.topic_terms[t];
                        for _ in 0..2 {
                            let pick = choices[sim.rng.below(choices.len() as u64) as usize];
                            term_ids.push(pick);
                        }
                    }
                }
                let n = if extra.is_empty() { per_message } else { 3 };
                sim.push_zipf(term_ids, n);
            }
            planned.push(Planned {
                second,
                author,
                topics,
                terms: (from, term_ids.len() as u32),
            });
        };
        // Background.
        let n = self.rng.poisson(self.background_mean(minute));
        for _ in 0..n {
            let second = self.rng.below(60) as u32;
            let author = if self.rng.next_f64() < 0.05 {
                Author::Pool(self.rng.below(1_000) as u32)
            } else {
                Author::Pool(self.rng.below(u64::from(self.config.author_pool.max(1))) as u32)
            };
            let mut topics = 0u8;
            for t in 0..6 {
                if self.rng.next_f64() < self.config.topic_rates[t] {
                    topics |= 1 << t;
                }
            }
            if topics != 0 && self.rng.next_f64() < self.config.follow_up {
                let later = minute * 60 + i64::from(second) + 60 + self.rng.below(540) as i64;
                self.follow_ups.push(Reverse((later, author, topics)));
            }
            push(self, second, author, topics, &[]);
        }
        // Follow-ups due this minute.
        while let Some(&Reverse((at, author, topics))) = self.follow_ups.peek() {
            if at >= (minute + 1) * 60 {
                break;
            }
            self.follow_ups.pop();
            push(
                self,
                (at - minute * 60).clamp(0, 59) as u32,
                author,
                topics,
                &[],
            );
        }
        // Topic bursts.
        for b in 0..self.config.bursts.len() {
            let burst = self.config.bursts[b].clone();
            let i = minute - burst.onset.timestamp().div_euclid(60);
            let extra = self.ramped(i, burst.duration, burst.ramp, burst.per_minute);
            for _ in 0..extra {
                let second = self.rng.below(60) as u32;
                let n = self.burst_authors[b];
                self.burst_authors[b] += 1;
                push(
                    self,
                    second,
                    Author::Burst(b as u32, n),
                    1 << burst.topic.min(5),
                    &[],
                );
            }
        }
        // Term spikes.
        for s in 0..self.config.spikes.len() {
            let spike = self.config.spikes[s].clone();
            let i = minute - spike.onset.timestamp().div_euclid(60);
            let extra = self.ramped(i, spike.duration, spike.ramp, spike.per_minute);
            let ids = self.spike_terms[s].clone();
            for _ in 0..extra {
                let second = self.rng.below(60) as u32;
                let n = self.spike_authors[s];
                self.spike_authors[s] += 1;
                push(self, second, Author::Spike(s as u32, n), 0, &ids);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhythm_is_quiet_at_night_and_busy_at_peaks() {
        let sim = Sim::new(SimConfig::default());
        // Monday 04:00 and 21:00 China time.
        let monday = default_start().timestamp() / 60;
        let night = sim.background_mean(monday + 4 * 60);
        let peak = sim.background_mean(monday + 21 * 60);
        assert!(peak > 10.0 * night, "{night} vs {peak}");
    }

    #[test]
    fn deterministic() {
        let config = SimConfig {
            duration: Duration::from_secs(3600),
            ..SimConfig::default()
        };
        let collect = |config: &SimConfig| {
            let mut out = Vec::new();
            Sim::new(config.clone())
                .run(|m| out.push((m.at, m.author.to_owned(), m.topics.to_vec(), m.terms.len())));
            out
        };
        let a = collect(&config);
        assert!(a.len() > 100);
        assert_eq!(a, collect(&config));
        assert!(a.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
