//! Layer B: terms no rule covers that suddenly take a larger share of the
//! conversation (trending.md §1.2).
//!
//! - Candidates: a Space-Saving top-K per 5-minute tumbling window
//!   ([`super::space_saving`]); the current and the previous window are kept.
//! - Baseline: a forward-decayed Count-Min Sketch of every occurrence with a
//!   24 h half-life ([`super::cms`]); a term's baseline share is its decayed
//!   count over the decayed total, both *without* the windows being scored
//!   (their guaranteed counts are subtracted), so a burst does not raise its
//!   own baseline.
//! - Score: `−log10 P(X ≥ k)` for `X ~ Binomial(N, p₀)` with `N` the
//!   window's term occurrences, `k` the term's guaranteed count and `p₀` its
//!   baseline share, the expected count floored at `expected_floor` (a brand
//!   new term is not infinitely surprising at count 3; §1.2's cold-start
//!   prior). Candidates also need `min_authors` unique authors (approximate,
//!   per counter), `k / expected ≥ min_ratio` (steady frequent terms such as
//!   支付宝 have a ratio near 1 and never show up however large `N`), and
//!   `min_score`.
//!
//! A term counts once per message. Memory is fixed at construction: the
//! sketch plus two summaries, whatever the number of distinct terms.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::cms::DecayedCms;
use super::hash::{HashKeyed, hash_str};
use super::space_saving::SpaceSaving;
use super::spec::minutes;
use super::stats::ln_binomial_sf;

/// Layer B settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmergingOptions {
    /// Track terms at all (`false` saves the sketch's memory).
    pub enabled: bool,
    /// Space-Saving counters per window (K).
    pub top_k: usize,
    /// Tumbling window length (whole minutes).
    pub window: Duration,
    /// Count-Min columns per row, as a power of two (8–24).
    pub sketch_width_log2: u32,
    /// Count-Min rows (1–8).
    pub sketch_depth: u32,
    /// Half-life of the decayed baseline.
    pub half_life: Duration,
    /// No candidates until the baseline has seen this much message time.
    pub min_history: Duration,
    /// Unique authors a candidate needs at least.
    pub min_authors: u32,
    /// How many times its expected count a candidate needs at least.
    pub min_ratio: f64,
    /// `−log10 p` a candidate needs at least.
    pub min_score: f64,
    /// Smallest expected count per window (a prior for brand-new terms).
    pub expected_floor: f64,
    /// Most terms [`super::TrendEngine::emerging`] returns.
    pub max_results: usize,
}

impl Default for EmergingOptions {
    fn default() -> EmergingOptions {
        EmergingOptions {
            enabled: true,
            top_k: 20_000,
            window: Duration::from_secs(5 * 60),
            sketch_width_log2: 20,
            sketch_depth: 4,
            half_life: Duration::from_secs(24 * 3600),
            min_history: Duration::from_secs(3600),
            min_authors: 10,
            min_ratio: 3.0,
            min_score: 8.0,
            expected_floor: 1.0,
            max_results: 20,
        }
    }
}

impl EmergingOptions {
    /// The same options with every field in its valid range.
    pub(crate) fn sanitized(mut self) -> EmergingOptions {
        let d = EmergingOptions::default();
        self.top_k = self.top_k.clamp(16, 1_000_000);
        let window = minutes(self.window).clamp(1, 60);
        self.window = Duration::from_secs(window as u64 * 60);
        self.sketch_width_log2 = self.sketch_width_log2.clamp(8, 24);
        self.sketch_depth = self.sketch_depth.clamp(1, 8);
        if self.half_life < Duration::from_secs(60) {
            self.half_life = d.half_life;
        }
        for (v, default) in [
            (&mut self.min_ratio, d.min_ratio),
            (&mut self.min_score, d.min_score),
            (&mut self.expected_floor, d.expected_floor),
        ] {
            if !v.is_finite() || *v < 0.0 {
                *v = default;
            }
        }
        self.expected_floor = self.expected_floor.max(1e-3);
        self
    }

    /// The window in seconds.
    fn window_secs(&self) -> i64 {
        minutes(self.window).clamp(1, 60) * 60
    }
}

/// A term taking an unusual share of the latest window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmergingTerm {
    /// The term (truncated to 60 bytes).
    pub term: String,
    /// Messages with the term in the window (a guaranteed lower bound).
    pub count: u32,
    /// Approximate unique authors of those messages.
    pub authors: u32,
    /// Expected count in the window from the decayed baseline share.
    pub baseline: f64,
    /// `−log10` of the binomial tail probability: higher is more surprising.
    pub score: f64,
}

/// One tumbling window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Window {
    /// Window number (start seconds / window seconds).
    index: i64,
    /// Term occurrences in the window (N).
    occurrences: u64,
    /// Its heavy terms.
    summary: SpaceSaving,
}

impl Window {
    /// Empties the window and renumbers it.
    fn reset(&mut self, index: i64) {
        self.index = index;
        self.occurrences = 0;
        self.summary.clear();
    }
}

/// The emerging-terms state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Emerging {
    /// Sanitized options.
    options: EmergingOptions,
    /// The decayed baseline.
    sketch: DecayedCms,
    /// The window holding the newest message time.
    current: Window,
    /// The window before it.
    previous: Window,
    /// Message time of the first term seen (seconds).
    first_seen: Option<i64>,
}

impl Emerging {
    /// An empty state (the sketch is a 1×256 stub when disabled).
    pub(crate) fn new(options: EmergingOptions) -> Emerging {
        let options = options.sanitized();
        let (width, depth, k) = if options.enabled {
            (
                options.sketch_width_log2,
                options.sketch_depth,
                options.top_k,
            )
        } else {
            (8, 1, 1)
        };
        let half_life = i64::try_from(options.half_life.as_secs()).unwrap_or(i64::MAX);
        let empty = |index| Window {
            index,
            occurrences: 0,
            summary: SpaceSaving::new(k),
        };
        Emerging {
            sketch: DecayedCms::new(width, depth, half_life, 0),
            current: empty(i64::MIN + 1),
            previous: empty(i64::MIN),
            first_seen: None,
            options,
        }
    }

    /// Checks a deserialized state and brings its options into range.
    pub(crate) fn rebuild(&mut self) -> Result<(), String> {
        self.options = self.options.clone().sanitized();
        self.sketch.validate()
    }

    /// Counts the distinct `terms` of one message by `author` at `at`
    /// (seconds).
    pub(crate) fn observe(&mut self, at: i64, author: u64, terms: &[&str]) {
        if !self.options.enabled || terms.is_empty() {
            return;
        }
        self.first_seen.get_or_insert(at);
        let index = at.div_euclid(self.options.window_secs());
        if index > self.current.index {
            if index == self.current.index + 1 {
                std::mem::swap(&mut self.current, &mut self.previous);
            } else {
                self.previous.reset(index - 1);
            }
            self.current.reset(index);
            self.sketch.renormalize(at);
        }
        let window = if index == self.current.index {
            Some(&mut self.current)
        } else if index == self.previous.index {
            Some(&mut self.previous)
        } else {
            None
        };
        let weight = self.sketch.weight(at);
        let author_bit = (author >> 56) as u8;
        // A term counts once per message; messages have a handful of terms,
        // so a linear scan over the hashes seen beats a set.
        let mut seen = [0u64; 32];
        let mut n_seen = 0usize;
        let mut window = window;
        for (i, term) in terms.iter().enumerate() {
            let hash = hash_str(term);
            let repeated = if i < seen.len() {
                seen[..n_seen].contains(&hash)
            } else {
                terms[..i].iter().any(|t| t == term)
            };
            if repeated {
                continue;
            }
            if n_seen < seen.len() {
                seen[n_seen] = hash;
                n_seen += 1;
            }
            self.sketch.add(hash, weight);
            self.sketch.add_total(weight);
            if let Some(w) = window.as_deref_mut() {
                w.summary.offer(hash, term, author_bit);
                w.occurrences += 1;
            }
        }
    }

    /// The terms of the latest windows at `at` (seconds) that are surprising
    /// against their baseline, most surprising first.
    pub(crate) fn emerging(&self, at: i64) -> Vec<EmergingTerm> {
        let o = &self.options;
        let Some(first) = self.first_seen else {
            return Vec::new();
        };
        let history = i64::try_from(o.min_history.as_secs()).unwrap_or(i64::MAX);
        if !o.enabled || at.saturating_sub(first) < history {
            return Vec::new();
        }
        let index = at.div_euclid(o.window_secs());
        let mut found: Vec<EmergingTerm> = Vec::new();
        let mut by_term: HashKeyed<usize> = HashKeyed::default();
        // The newest complete window, and the current one while it fills.
        for (window, later) in [(&self.previous, Some(&self.current)), (&self.current, None)] {
            if window.index != index && window.index != index - 1 {
                continue;
            }
            let later = later.filter(|l| l.index > window.index);
            for (hash, term) in self.score(window, later, at) {
                match by_term.get(&hash) {
                    Some(&i) if found[i].score >= term.score => {}
                    Some(&i) => found[i] = term,
                    None => {
                        by_term.insert(hash, found.len());
                        found.push(term);
                    }
                }
            }
        }
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.count.cmp(&a.count))
                .then_with(|| a.term.cmp(&b.term))
        });
        found.truncate(o.max_results);
        found
    }

    /// Scores the counters of `window`; `later` is the window after it, whose
    /// occurrences the sketch also holds.
    fn score(&self, window: &Window, later: Option<&Window>, at: i64) -> Vec<(u64, EmergingTerm)> {
        let o = &self.options;
        let n = window.occurrences;
        let later_n = later.map_or(0, |l| l.occurrences);
        let baseline_total = self.sketch.total(at) - (n + later_n) as f64;
        if n == 0 || baseline_total <= 0.0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for entry in window.summary.entries() {
            let k = entry.guaranteed();
            if k < o.min_authors {
                continue;
            }
            let authors = entry.authors().min(k);
            if authors < o.min_authors {
                continue;
            }
            let hash = entry.hash();
            let later_k = later.map_or(0, |l| l.summary.guaranteed(hash));
            let history =
                (self.sketch.count(hash, at) - f64::from(k) - f64::from(later_k)).max(0.0);
            let expected = (history / baseline_total * n as f64).max(o.expected_floor);
            if f64::from(k) < o.min_ratio * expected || expected >= n as f64 {
                continue;
            }
            let ln_p = ln_binomial_sf(u64::from(k), n, expected / n as f64);
            let score = -ln_p / std::f64::consts::LN_10;
            if score < o.min_score {
                continue;
            }
            out.push((
                hash,
                EmergingTerm {
                    term: entry.term().to_owned(),
                    count: k,
                    authors,
                    baseline: expected,
                    score,
                },
            ));
        }
        out
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.sketch.memory_bytes()
            + self.current.summary.memory_bytes()
            + self.previous.summary.memory_bytes()
    }
}
