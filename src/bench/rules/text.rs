//! Turns a simulated message (`trends::sim`: time, author, topics, terms)
//! into what a customer would have written: a Chinese complaint built from
//! [`super::phrases`], with what real messages carry around the words —
//! amounts (`¥1,299.00`, `200元`), 28-digit trade numbers, mobile numbers,
//! emoji, `#话题#` hashtags, `@支付宝`, `//@某人:` repost chains, short
//! links — some of it in traditional characters or full-width forms.
//!
//! A message about a seed topic always carries one of its topic's anchor
//! sentences (so the shipped topic rule matches it) plus clauses for the
//! topic terms the simulation drew; a background message is built from
//! clauses for its common words and its synthetic long-tail words. Seeded,
//! so a run renders the same texts on every machine.

use std::fmt::Write as _;

use crate::model::Channel;
use crate::trends::sim::{SimMessage, XorShift64, is_synthetic_term, topic_terms};

use super::phrases::{
    ANCHORS, ASKS, BACKGROUND_HASHTAGS, BACKGROUND_SUBJECTS, COMMON_CLAUSES, EMOJI, EMOTICONS,
    FILLER_CLAUSES, NAMES, OPENERS, REPOST_WORDS, TERM_CLAUSES, TIMES, TOPIC_HASHTAGS,
    TOPIC_SUBJECTS,
};
use super::variants::{to_full_width, to_traditional};

/// One rendered message, as a connector would hand it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The channel it came on.
    pub channel: Channel,
    /// Mail subject (mail only).
    pub subject: Option<String>,
    /// The customer's words.
    pub text: String,
}

impl Rendered {
    /// What the pipeline analyzes: the subject, a line break and the text
    /// (`pipeline::prepare`'s join).
    pub fn joined(&self) -> String {
        match self.subject.as_deref() {
            Some(subject) if !subject.trim().is_empty() => format!("{subject}\n{}", self.text),
            _ => self.text.clone(),
        }
    }
}

/// How often each decoration appears (probabilities per message).
#[derive(Debug, Clone, PartialEq)]
pub struct Mix {
    /// The whole message in traditional characters.
    pub traditional: f64,
    /// The whole message in full-width forms.
    pub full_width: f64,
    /// An emoji (or two) somewhere.
    pub emoji: f64,
    /// A `#话题#` (Weibo).
    pub hashtag: f64,
    /// A `//@name:` repost chain (Weibo).
    pub repost: f64,
    /// `@支付宝` in front (Weibo).
    pub mention: f64,
    /// A `[怒]` emoticon code (Weibo).
    pub emoticon: f64,
    /// A `t.cn` short link (Weibo).
    pub link: f64,
    /// A trade number, phone, amount or time beyond what the sentences hold.
    pub details: f64,
}

impl Default for Mix {
    fn default() -> Mix {
        Mix {
            traditional: 0.08,
            full_width: 0.05,
            emoji: 0.2,
            hashtag: 0.25,
            repost: 0.12,
            mention: 0.3,
            emoticon: 0.1,
            link: 0.05,
            details: 0.35,
        }
    }
}

/// The renderer: a seeded generator of texts.
#[derive(Debug, Clone)]
pub struct Renderer {
    rng: XorShift64,
    mix: Mix,
}

impl Renderer {
    /// A renderer with the default [`Mix`].
    pub fn new(seed: u64) -> Renderer {
        Renderer::with_mix(seed, Mix::default())
    }

    /// A renderer with its own mix of decorations.
    pub fn with_mix(seed: u64, mix: Mix) -> Renderer {
        Renderer {
            rng: XorShift64::new(seed ^ 0x7E47_5EED),
            mix,
        }
    }

    /// Renders one simulated message: channel, subject, decorated text.
    pub fn render(&mut self, m: &SimMessage<'_>) -> Rendered {
        let channel = match self.rng.below(100) {
            0..55 => Channel::Weibo,
            55..85 => Channel::Wechat,
            _ => Channel::Email,
        };
        let mut text = self.complaint(m.topics, m.terms);
        if self.chance(self.mix.details) {
            let extra = self.detail_clause();
            text = format!("{text} {extra}");
        }
        let subject = (channel == Channel::Email).then(|| self.subject(m.topics));
        match channel {
            Channel::Weibo => text = self.weibo_markup(m.topics, m.terms, text),
            // Half the mails are signed with a name and a phone number.
            Channel::Email if self.chance(0.5) => {
                let phone = self.phone();
                text = format!("{text}\n\n李先生\n{phone}");
            }
            _ => {}
        }
        if self.chance(self.mix.emoji) {
            text = self.with_emoji(&text);
        }
        let subject = subject.map(|s| self.script(s, channel));
        let text = self.script(text, channel);
        Rendered {
            channel,
            subject,
            text,
        }
    }

    /// The plain complaint of a message about `topics` with `terms` (no
    /// markup, no emoji, simplified characters): anchors of its topics,
    /// clauses for its terms, an opener and an ask.
    pub fn complaint(&mut self, topics: &[usize], terms: &[&str]) -> String {
        let mut clauses: Vec<String> = Vec::new();
        let opener = self.pick(OPENERS);
        for &topic in topics {
            let Some(anchors) = ANCHORS.get(topic) else {
                continue;
            };
            let anchor = self.pick(anchors);
            clauses.push(self.fill(anchor));
            let own = topic_terms(topic);
            let mut used: Vec<&str> = Vec::new();
            for term in terms.iter().filter(|t| own.contains(t)) {
                if used.contains(term) || !self.chance(0.7) {
                    continue;
                }
                used.push(term);
                if let Some((_, options)) = TERM_CLAUSES.iter().find(|(t, _)| t == term) {
                    let clause = options[self.rng.below(2) as usize];
                    clauses.push(self.fill(clause));
                }
            }
        }
        // Background words: a few clauses for a message about nothing, at
        // most one beside a topic's sentences.
        let wanted = if clauses.is_empty() {
            1 + self.rng.below(3) as usize
        } else {
            usize::from(self.chance(0.4))
        };
        let background: Vec<&str> = terms
            .iter()
            .copied()
            .filter(|t| !topics.iter().any(|&k| topic_terms(k).contains(t)))
            .collect();
        let mut added = 0;
        for term in background {
            if added == wanted {
                break;
            }
            if let Some(clause) = self.background_clause(term)
                && !clauses.contains(&clause)
            {
                clauses.push(clause);
                added += 1;
            }
        }
        if clauses.is_empty() {
            let filler = self.pick(FILLER_CLAUSES);
            clauses.push(filler.to_string());
        }
        let ask = self.pick(ASKS);
        if !ask.is_empty() {
            clauses.push(ask.to_string());
        }
        let mut text = String::from(opener);
        text.push_str(&clauses.join("，"));
        if !text.ends_with(['？', '！', '。']) {
            text.push(if self.chance(0.3) { '！' } else { '。' });
        }
        text
    }

    /// A clause for one background word: its common-word clause, a filler
    /// for a synthetic word (by rank), or the word itself.
    fn background_clause(&mut self, term: &str) -> Option<String> {
        if let Some((_, options)) = COMMON_CLAUSES.iter().find(|(t, _)| *t == term) {
            let clause = options[self.rng.below(2) as usize];
            return Some(self.fill(clause));
        }
        if is_synthetic_term(term) {
            let rank: usize = term.trim_start_matches('词').parse().unwrap_or(0);
            return Some(FILLER_CLAUSES[rank % FILLER_CLAUSES.len()].to_string());
        }
        if term.starts_with('#') {
            // A hashtag from a spike: it goes into the markup instead.
            return None;
        }
        Some(format!("{term}有问题"))
    }

    /// Weibo's markup around the words: mention, hashtags, emoticon, link,
    /// repost chain.
    fn weibo_markup(&mut self, topics: &[usize], terms: &[&str], words: String) -> String {
        let mut text = words;
        if self.chance(self.mix.mention) {
            let account = if self.chance(0.7) {
                "@支付宝"
            } else {
                "@支付宝客服"
            };
            text = format!("{account} {text}");
        }
        let spiked: Vec<&str> = terms
            .iter()
            .copied()
            .filter(|t| t.starts_with('#') && t.ends_with('#') && t.chars().count() > 2)
            .collect();
        for tag in &spiked {
            text = format!("{text}{tag}");
        }
        if self.chance(self.mix.hashtag) {
            let tag = match topics.first().and_then(|&t| TOPIC_HASHTAGS.get(t)) {
                Some(tags) => self.pick(tags),
                None => self.pick(BACKGROUND_HASHTAGS),
            };
            text = if self.chance(0.5) {
                format!("{tag}{text}")
            } else {
                format!("{text} {tag}")
            };
        }
        if self.chance(self.mix.emoticon) {
            let code = self.pick(EMOTICONS);
            text.push_str(code);
        }
        if self.chance(self.mix.link) {
            let link = self.short_link();
            text = format!("{text} {link}");
        }
        if self.chance(self.mix.repost) {
            let name = self.pick(NAMES);
            let words = self.pick(REPOST_WORDS);
            text = if self.chance(0.7) {
                // Passing on someone's complaint with a word of one's own.
                format!("{words}//@{name}:{text}")
            } else {
                format!("{text}//@{name}:{words}")
            };
        }
        text
    }

    /// The text in traditional characters or full-width forms, sometimes.
    fn script(&mut self, text: String, channel: Channel) -> String {
        // Traditional characters come mostly from Weibo users in Hong Kong
        // and Taiwan; full-width forms from input methods left in that mode.
        let traditional = match channel {
            Channel::Weibo => self.mix.traditional * 1.3,
            _ => self.mix.traditional * 0.6,
        };
        let mut text = text;
        if self.chance(traditional) {
            text = to_traditional(&text);
        }
        if self.chance(self.mix.full_width) {
            text = to_full_width(&text);
        }
        text
    }

    /// Emoji after the first clause or at the end.
    fn with_emoji(&mut self, text: &str) -> String {
        let emoji = self.pick(EMOJI);
        let twice = self.chance(0.3);
        let emoji = if twice {
            format!("{emoji}{emoji}")
        } else {
            emoji.to_string()
        };
        match text.find('，') {
            Some(at) if self.chance(0.4) => format!("{}{emoji}{}", &text[..at], &text[at..]),
            _ => format!("{text}{emoji}"),
        }
    }

    /// A mail subject.
    fn subject(&mut self, topics: &[usize]) -> String {
        match topics.first().and_then(|&t| TOPIC_SUBJECTS.get(t)) {
            Some(subject) => (*subject).to_string(),
            None => self.pick(BACKGROUND_SUBJECTS).to_string(),
        }
    }

    /// One more detail an agent would want.
    fn detail_clause(&mut self) -> String {
        match self.rng.below(4) {
            0 => {
                let label = self.pick(&["交易号", "订单号：", "交易单号 "]);
                format!("{label}{}", self.trade_number())
            }
            1 => format!("联系电话{}", self.phone()),
            2 => format!("金额{}", self.amount()),
            _ => format!("时间是{}", self.pick(TIMES)),
        }
    }

    /// `clause` with its placeholders filled in.
    fn fill(&mut self, clause: &str) -> String {
        if !clause.contains('$') {
            return clause.to_string();
        }
        let mut out = String::with_capacity(clause.len() + 32);
        let mut rest = clause;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let code = rest[at + 1..].chars().next();
            let value = match code {
                Some('A') => self.amount(),
                Some('T') => self.trade_number(),
                Some('P') => self.phone(),
                Some('D') => self.pick(TIMES).to_string(),
                _ => "$".to_string(),
            };
            out.push_str(&value);
            rest = &rest[at + 1 + code.map_or(0, char::len_utf8)..];
        }
        out.push_str(rest);
        out
    }

    /// An amount, written one of the ways people write them.
    fn amount(&mut self) -> String {
        // Log-uniform between 10 and 50,000 yuan.
        let yuan = (10.0 * 5000f64.powf(self.rng.next_f64())) as u64;
        let cents = self.rng.below(100);
        match self.rng.below(6) {
            0 => format!("¥{}.00", thousands(yuan)),
            1 => format!("{yuan}元"),
            2 => format!("￥{yuan}.{cents:02}"),
            3 => format!("{yuan}块"),
            4 => format!("{yuan}.{cents:02}元"),
            _ => format!("¥{yuan}"),
        }
    }

    /// A 28-digit Alipay trade number of December 2026.
    fn trade_number(&mut self) -> String {
        let mut s = format!("202612{:02}2200", 1 + self.rng.below(28));
        for _ in 0..16 {
            let _ = write!(s, "{}", self.rng.below(10));
        }
        s
    }

    /// A mainland mobile number.
    fn phone(&mut self) -> String {
        let second = ['3', '5', '7', '8', '9'][self.rng.below(5) as usize];
        let mut s = format!("1{second}");
        for _ in 0..9 {
            let _ = write!(s, "{}", self.rng.below(10));
        }
        s
    }

    /// A `t.cn` short link.
    fn short_link(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        let mut s = String::from("http://t.cn/A6");
        for _ in 0..6 {
            s.push(char::from(
                ALPHABET[self.rng.below(ALPHABET.len() as u64) as usize],
            ));
        }
        s
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.next_f64() < p
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options
            .get(self.rng.below(options.len() as u64) as usize)
            .copied()
            .unwrap_or("")
    }
}

/// `1299` → `1,299`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(5), "5");
        assert_eq!(thousands(1299), "1,299");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn placeholders_are_filled() {
        let mut r = Renderer::new(1);
        let s = r.fill("金额$A，交易号$T，电话$P，$D");
        assert!(!s.contains('$'), "{s}");
        let trade: String = s
            .split("交易号")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert_eq!(trade.len(), 28, "{s}");
        assert!(trade.starts_with("2026"), "{s}");
    }
}
