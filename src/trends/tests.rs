//! Scenario tests of the trend engine on the synthetic stream of [`super::sim`].
//!
//! The week-long runs, (a) and (b), feed topics only (no terms): a simulated
//! week is ~400 k `observe` calls, about a second in a debug build. The runs
//! with terms, (g) and (h), use half to a third of the volume in debug
//! builds; (f) feeds its million distinct terms at full size.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::sim::{Burst, SEED_TOPICS, Sim, SimConfig, TermSpike, default_start, seed_topic_specs};
use super::{BaselineBasis, EmergingOptions, EngineOptions, TopicSpec, TrendEngine, TrendEvent};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// Options for topic-only runs: a tiny emerging layer.
fn topic_only() -> EngineOptions {
    EngineOptions {
        emerging: EmergingOptions {
            enabled: false,
            ..EmergingOptions::default()
        },
        ..EngineOptions::default()
    }
}

/// Feeds the whole simulation, topics only; returns every event.
fn feed(engine: &mut TrendEngine, config: SimConfig) -> Vec<TrendEvent> {
    let end = config.start + config.duration;
    let mut events = Vec::new();
    Sim::new(config).run(|m| {
        events.extend(engine.observe(m.at, m.author, m.topics, &[]));
    });
    events.extend(engine.advance(end));
    events
}

/// `start + d`.
fn at(start: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    start + chrono::Duration::from_std(d).unwrap_or_default()
}

fn firings(events: &[TrendEvent]) -> Vec<&TrendEvent> {
    events
        .iter()
        .filter(|e| matches!(e, TrendEvent::Firing { .. }))
        .collect()
}

/// Whether `e` fired for one of `bursts`, while it lasted.
fn during(e: &TrendEvent, bursts: &[Burst]) -> bool {
    bursts.iter().any(|b| {
        SEED_TOPICS[b.topic] == e.topic()
            && e.at() >= b.onset
            && e.at() <= b.onset + chrono::Duration::from_std(b.duration).unwrap_or_default()
    })
}

/// The bursts of test (a): every seed topic at five sizes, at hours that
/// include both daily peaks and the night, after a day of history.
fn burst_schedule(start: DateTime<Utc>) -> Vec<Burst> {
    let sizes = [5u32, 8, 10, 30, 60];
    let hours = [10u64, 21, 4, 15, 13, 0, 8, 19, 22, 11, 2];
    let mut bursts = Vec::new();
    for topic in 0..SEED_TOPICS.len() {
        for (i, &per_minute) in sizes.iter().enumerate() {
            let day = 1 + i as u64;
            let hour = hours[(topic + 2 * i) % hours.len()];
            bursts.push(Burst {
                topic,
                onset: at(
                    start,
                    DAY * day as u32 + HOUR * hour as u32 + MINUTE * (7 * topic as u32),
                ),
                duration: MINUTE * 40,
                per_minute,
                ramp: MINUTE * 2,
            });
        }
    }
    bursts
}

#[test]
fn a_every_burst_is_detected_within_five_minutes() {
    let start = default_start();
    let bursts = burst_schedule(start);
    let config = SimConfig {
        seed: 7,
        terms_per_message: 0,
        bursts: bursts.clone(),
        ..SimConfig::default()
    };
    let mut engine = TrendEngine::new(seed_topic_specs(), topic_only());
    let events = feed(&mut engine, config);
    let mut worst = Duration::ZERO;
    let mut missed = Vec::new();
    for b in &bursts {
        let id = SEED_TOPICS[b.topic];
        let deadline = b.onset + chrono::Duration::minutes(5);
        // The topic's last event up to the deadline says whether it fires.
        let last = events
            .iter()
            .rev()
            .find(|e| e.topic() == id && e.at() <= deadline);
        match last {
            Some(e @ TrendEvent::Firing { at, .. }) if *at >= b.onset => {
                let delay = (*at - b.onset).to_std().unwrap_or_default();
                worst = worst.max(delay);
                println!(
                    "{id} +{}/min at {}: {} min — {e}",
                    b.per_minute,
                    b.onset,
                    delay.as_secs() / 60
                );
            }
            Some(e @ TrendEvent::Firing { .. }) => {
                // An earlier alarm is still up: the burst is covered by it.
                println!(
                    "{id} +{}/min at {}: already firing since {}",
                    b.per_minute,
                    b.onset,
                    e.at()
                );
            }
            _ => missed.push(format!(
                "{id} +{}/min at {} not firing 5 min later",
                b.per_minute, b.onset
            )),
        }
    }
    let unexplained: Vec<_> = firings(&events)
        .into_iter()
        .filter(|e| !during(e, &bursts))
        .collect();
    println!(
        "worst delay {} min; {} firings outside bursts",
        worst.as_secs() / 60,
        unexplained.len()
    );
    for e in &unexplained {
        println!("  outside: {e} at {}", e.at());
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

#[test]
fn b_background_weeks_have_at_most_one_false_alarm() {
    let mut total = 0;
    for seed in [11u64, 12, 13] {
        let config = SimConfig {
            seed,
            terms_per_message: 0,
            ..SimConfig::default()
        };
        let mut engine = TrendEngine::new(seed_topic_specs(), topic_only());
        let events = feed(&mut engine, config);
        let alarms = firings(&events);
        println!("seed {seed}: {} false alarms", alarms.len());
        for e in &alarms {
            println!("  {} {e}", e.at());
        }
        total += alarms.len();
        assert!(alarms.len() <= 1, "seed {seed}");
    }
    println!("total false alarms over 3 weeks: {total}");
}

#[test]
fn c_cold_start_is_quiet_but_a_big_burst_fires() {
    // The engine starts at 10:00 on a Monday, at a busy hour, with one topic
    // (退款) at 3 % of all traffic: a floor-only baseline would fire at once.
    let start = default_start() + chrono::Duration::hours(10);
    let onset = at(start, HOUR * 6);
    let mut rates = SimConfig::default().topic_rates;
    rates[1] = 0.03;
    let config = SimConfig {
        seed: 21,
        start,
        duration: HOUR * 7,
        terms_per_message: 0,
        topic_rates: rates,
        bursts: vec![Burst {
            topic: 3,
            onset,
            duration: MINUTE * 30,
            per_minute: 30,
            ramp: MINUTE * 2,
        }],
        ..SimConfig::default()
    };
    let mut engine = TrendEngine::new(seed_topic_specs(), topic_only());
    let events = feed(&mut engine, config);
    for e in &events {
        println!("{} {e}", e.at());
    }
    let fired = firings(&events);
    assert!(
        fired.iter().all(|e| e.at() >= onset),
        "alarm before the burst: {fired:?}"
    );
    let hit = fired.iter().find(|e| e.topic() == SEED_TOPICS[3]);
    match hit {
        Some(TrendEvent::Firing { at, basis, .. }) => {
            assert!(*at <= onset + chrono::Duration::minutes(5), "late: {at}");
            assert!(matches!(basis, BaselineBasis::WarmUp { .. }), "{basis:?}");
        }
        _ => panic!("the burst did not fire: {events:?}"),
    }
}

/// One topic; each minute `background` authors without it and, every
/// `every` minutes, one author with it, plus `burst` topic authors in the
/// burst minutes.
fn scripted(
    engine: &mut TrendEngine,
    from: DateTime<Utc>,
    minutes: i64,
    background: u32,
    burst: impl Fn(i64) -> u32,
    events: &mut Vec<TrendEvent>,
) {
    let start = from.timestamp() / 60;
    for m in 0..minutes {
        let t = from + chrono::Duration::minutes(m);
        let minute = start + m;
        for a in 0..background {
            events.extend(engine.observe(t, &format!("bg{minute}-{a}"), &[], &[]));
        }
        if minute % 5 == 0 {
            events.extend(engine.observe(t, &format!("topic{minute}"), &[0], &[]));
        }
        for a in 0..burst(m) {
            events.extend(engine.observe(t, &format!("burst{minute}-{a}"), &[0], &[]));
        }
    }
}

#[test]
fn d_keep_firing_for_and_cooldown() {
    let spec = TopicSpec {
        id: "退款".into(),
        ..TopicSpec::default()
    };
    let mut engine = TrendEngine::new(vec![spec], topic_only());
    let t0 = default_start();
    let mut events = Vec::new();
    // A day of quiet history so the seasonal baseline exists.
    scripted(&mut engine, t0, 1_440, 20, |_| 0, &mut events);
    assert!(events.is_empty(), "{events:?}");
    // Burst 1 flaps: 15 min on, 12 min off, 10 min on: one incident.
    let t1 = t0 + chrono::Duration::minutes(1_440);
    let on = |m: i64| {
        if (0..15).contains(&m) || (27..37).contains(&m) {
            15
        } else {
            0
        }
    };
    scripted(&mut engine, t1, 120, 20, on, &mut events);
    for e in &events {
        println!("{} {e}", e.at());
    }
    let fired = firings(&events);
    assert_eq!(
        fired.len(),
        1,
        "flapping must stay one incident: {events:?}"
    );
    let resolved: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, TrendEvent::Resolved { .. }))
        .collect();
    assert_eq!(resolved.len(), 1, "{events:?}");
    // The condition last held when the window still saw the second half
    // (minute 36 + 10-minute window); resolution comes 30 minutes after.
    let resolved_at = resolved[0].at();
    let last_burst = t1 + chrono::Duration::minutes(37);
    let quiet_for = resolved_at - last_burst;
    assert!(
        quiet_for >= chrono::Duration::minutes(30) && quiet_for <= chrono::Duration::minutes(42),
        "resolved {quiet_for} after the burst"
    );
    // Burst 2, 30 minutes after resolution: inside the 2 h cooldown.
    events.clear();
    let t2 = resolved_at + chrono::Duration::minutes(30);
    let gap = (t2 - (t1 + chrono::Duration::minutes(120))).num_minutes();
    scripted(
        &mut engine,
        t1 + chrono::Duration::minutes(120),
        gap,
        20,
        |_| 0,
        &mut events,
    );
    scripted(
        &mut engine,
        t2,
        60,
        20,
        |m| if m < 20 { 15 } else { 0 },
        &mut events,
    );
    assert!(
        firings(&events).is_empty(),
        "fired during the cooldown: {events:?}"
    );
    // Burst 3, after the cooldown: fires again.
    let t3 = resolved_at + chrono::Duration::minutes(125);
    let gap = (t3 - (t2 + chrono::Duration::minutes(60))).num_minutes();
    scripted(
        &mut engine,
        t2 + chrono::Duration::minutes(60),
        gap,
        20,
        |_| 0,
        &mut events,
    );
    events.clear();
    scripted(&mut engine, t3, 20, 20, |_| 15, &mut events);
    assert_eq!(firings(&events).len(), 1, "{events:?}");
}

#[test]
fn e_late_and_very_old_messages() {
    let spec = TopicSpec {
        id: "跨境冻结".into(),
        ..TopicSpec::default()
    };
    let mut engine = TrendEngine::new(vec![spec], topic_only());
    let t0 = default_start() + chrono::Duration::hours(12);
    let mut events = Vec::new();
    scripted(&mut engine, t0, 60, 10, |_| 0, &mut events);
    let now = t0 + chrono::Duration::minutes(59);
    let series =
        |e: &TrendEngine, m: DateTime<Utc>| e.topic_series(0, m, m).first().map_or(0, |p| p.1);
    // Three minutes late: counted in its own minute, once per author.
    let late = now - chrono::Duration::minutes(3);
    let before = series(&engine, late);
    engine.observe(late, "late-1", &[0], &[]);
    engine.observe(late, "late-1", &[0], &[]);
    engine.observe(late + chrono::Duration::seconds(30), "late-2", &[0], &[]);
    assert_eq!(series(&engine, late), before + 2);
    // Three hours late: past the open minutes, still in the 2-day ring.
    let old = now - chrono::Duration::hours(3);
    let before = series(&engine, old);
    engine.observe(old, "old-1", &[0], &[]);
    assert_eq!(series(&engine, old), before + 1);
    // Forty days old, out-of-range topic indexes, extreme times: ignored,
    // never a panic, and nothing fires.
    let ancient = now - chrono::Duration::days(40);
    assert!(
        engine
            .observe(ancient, "ancient", &[0, 7, usize::MAX], &["x"])
            .is_empty()
    );
    assert!(
        engine
            .observe(DateTime::<Utc>::MIN_UTC, "min", &[0], &["x"])
            .is_empty()
    );
    let points = engine.topic_series(0, now - chrono::Duration::days(3), now);
    assert!(
        points.len() >= 2_880 && points.len() <= 2_880 + 96 * 3,
        "{}",
        points.len()
    );
    assert!(engine.topic_series(9, now, now).is_empty());
    assert!(engine.advance(now - chrono::Duration::hours(1)).is_empty());
    // A clock jump to the end of time and back is survived.
    assert!(
        engine
            .observe(DateTime::<Utc>::MAX_UTC, "max", &[0], &["x"])
            .is_empty()
    );
    assert!(engine.observe(now, "after", &[0], &[]).is_empty());
    assert!(engine.emerging(now).is_empty());
}

#[test]
fn replace_topics_keeps_state_by_id() {
    let spec = |id: &str| TopicSpec {
        id: id.into(),
        ..TopicSpec::default()
    };
    let mut engine = TrendEngine::new(vec![spec("退款"), spec("花呗逾期")], topic_only());
    let t0 = default_start();
    let mut events = Vec::new();
    scripted(
        &mut engine,
        t0,
        60,
        10,
        |m| if m >= 40 { 15 } else { 0 },
        &mut events,
    );
    assert!(engine.is_firing(0), "{events:?}");
    let end = t0 + chrono::Duration::minutes(59);
    let before = engine.topic_series(0, t0, end);
    // Reload: a new topic first, 退款 with another setting, 花呗逾期 gone.
    let reloaded = TopicSpec {
        min_count: 9,
        ..spec("退款")
    };
    let events = engine.replace_topics(vec![spec("余额宝收益"), reloaded.clone()]);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(engine.topic_index("退款"), Some(1));
    assert_eq!(engine.topics().nth(1), Some(&reloaded));
    assert_eq!(engine.topic_series(1, t0, end), before);
    assert!(engine.is_firing(1));
    assert!(engine.topic_series(0, t0, end).iter().all(|p| p.1 == 0));
    // Dropping a firing topic reports it resolved.
    let events = engine.replace_topics(vec![spec("余额宝收益")]);
    assert_eq!(
        events,
        vec![TrendEvent::Resolved {
            topic: "退款".into(),
            at: end,
        }]
    );
}

#[test]
fn f_emerging_memory_is_bounded() {
    let mut engine = TrendEngine::new(seed_topic_specs(), EngineOptions::default());
    let before = engine.emerging_memory_bytes();
    let t0 = default_start();
    let mut terms: Vec<String> = Vec::with_capacity(8);
    let started = Instant::now();
    for i in 0..125_000u32 {
        terms.clear();
        terms.extend((0..8).map(|j| format!("term-{}", i * 8 + j)));
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let t = t0 + chrono::Duration::milliseconds(i64::from(i) * 200);
        engine.observe(t, &format!("a{}", i % 5_000), &[], &refs);
    }
    let after = engine.emerging_memory_bytes();
    println!(
        "emerging memory: {:.1} MB before, {:.1} MB after 1,000,000 distinct terms ({:.1} s); engine total {:.1} MB",
        before as f64 / 1e6,
        after as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        engine.memory_bytes() as f64 / 1e6
    );
    assert!(after < 64 * 1024 * 1024, "{after}");
    assert!(
        after <= before + before / 20,
        "grew from {before} to {after}"
    );
}

/// Collects every simulated message into owned values (for replays).
/// A simulated message as owned values: time, author, topics, terms.
type Owned = (DateTime<Utc>, String, Vec<usize>, Vec<String>);

fn record(config: SimConfig) -> Vec<Owned> {
    let mut out = Vec::new();
    Sim::new(config).run(|m| {
        out.push((
            m.at,
            m.author.to_owned(),
            m.topics.to_vec(),
            m.terms.iter().map(|t| (*t).to_owned()).collect(),
        ))
    });
    out
}

#[test]
fn g_snapshot_restore_gives_identical_events() {
    let start = default_start();
    let snapshot_at = at(start, HOUR * 34);
    let config = SimConfig {
        seed: 5,
        duration: HOUR * 38,
        messages_per_day: if cfg!(debug_assertions) {
            20_000.0
        } else {
            60_000.0
        },
        topic_rates: [0.012, 0.018, 0.009, 0.0045, 0.006, 0.0045],
        // A burst straddles the snapshot, so the alert state is mid-flight.
        bursts: vec![Burst {
            topic: 1,
            onset: at(start, HOUR * 33 + MINUTE * 50),
            duration: MINUTE * 40,
            per_minute: 20,
            ramp: MINUTE * 2,
        }],
        ..SimConfig::default()
    };
    let options = EngineOptions {
        emerging: EmergingOptions {
            top_k: 2_000,
            sketch_width_log2: 14,
            ..EmergingOptions::default()
        },
        ..EngineOptions::default()
    };
    let messages = record(config);
    let split = messages
        .iter()
        .position(|m| m.0 >= snapshot_at)
        .unwrap_or(messages.len());
    let mut original = TrendEngine::new(seed_topic_specs(), options);
    let (mut bytes, mut want) = (Vec::new(), Vec::new());
    for (i, (t, author, topics, terms)) in messages.iter().enumerate() {
        if i == split {
            bytes = original.snapshot().to_json().expect("serializes");
        }
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let events = original.observe(*t, author, topics, &refs);
        if i >= split {
            want.extend(events);
        }
    }
    println!("snapshot: {} KB", bytes.len() / 1024);
    let snapshot = super::Snapshot::from_json(&bytes).expect("parses");
    let mut restored = TrendEngine::restore(snapshot).expect("restores");
    assert!(
        restored.is_firing(1),
        "the snapshot should catch 退款 firing"
    );
    let mut got = Vec::new();
    for (t, author, topics, terms) in &messages[split..] {
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        got.extend(restored.observe(*t, author, topics, &refs));
    }
    let end = at(start, HOUR * 38);
    want.extend(original.advance(end));
    got.extend(restored.advance(end));
    for e in &got {
        println!("{} {e}", e.at());
    }
    assert!(
        want.iter()
            .any(|e| matches!(e, TrendEvent::Resolved { .. })),
        "the burst should resolve after the snapshot"
    );
    assert_eq!(got, want);
    assert_eq!(restored.emerging(end), original.emerging(end));
    assert_eq!(
        restored.snapshot().to_json().expect("serializes"),
        original.snapshot().to_json().expect("serializes")
    );
    // A damaged snapshot is an error, not a panic.
    let mut damaged = bytes.clone();
    damaged.truncate(bytes.len() / 2);
    assert!(super::Snapshot::from_json(&damaged).is_err());
    let text = String::from_utf8(bytes).expect("JSON is UTF-8");
    let tampered = text.replacen("\"clock\":", "\"clock\":1", 1);
    let restored = super::Snapshot::from_json(tampered.as_bytes()).and_then(TrendEngine::restore);
    assert!(
        restored.is_err(),
        "a clock out of step with the series must be refused"
    );
}

#[test]
fn h_a_new_hashtag_tops_emerging_and_steady_terms_never_do() {
    let start = default_start() + chrono::Duration::hours(8);
    let onset = at(start, HOUR * 4);
    let tag = "#余额宝收益降了#";
    let config = SimConfig {
        seed: 3,
        start,
        duration: HOUR * 4 + MINUTE * 30,
        messages_per_day: if cfg!(debug_assertions) {
            30_000.0
        } else {
            60_000.0
        },
        terms_per_message: 6,
        spikes: vec![TermSpike {
            term: tag.into(),
            companions: vec!["余额宝".into(), "收益".into()],
            onset,
            duration: MINUTE * 30,
            per_minute: 8,
            ramp: MINUTE * 3,
        }],
        ..SimConfig::default()
    };
    let mut engine = TrendEngine::new(seed_topic_specs(), EngineOptions::default());
    let mut last_minute = 0;
    let mut first_top: Option<DateTime<Utc>> = None;
    let mut steady_seen = Vec::new();
    let mut early = Vec::new();
    Sim::new(config).run(|m| {
        let minute = m.at.timestamp() / 60;
        if minute != last_minute {
            last_minute = minute;
            let top = engine.emerging(m.at);
            for t in &top {
                if ["支付宝", "客服", "转账", "账户"].contains(&t.term.as_str()) {
                    steady_seen.push((m.at, t.term.clone()));
                }
                if m.at < onset {
                    early.push((m.at, t.term.clone(), t.score));
                }
            }
            if first_top.is_none() && top.first().is_some_and(|t| t.term == tag) {
                first_top = Some(m.at);
                println!(
                    "{tag} on top at {} ({} min after onset):",
                    m.at,
                    (m.at - onset).num_minutes()
                );
                for t in top.iter().take(5) {
                    println!(
                        "  {} ×{} ({} authors) vs {:.2} expected, score {:.1}",
                        t.term, t.count, t.authors, t.baseline, t.score
                    );
                }
            }
        }
        engine.observe(m.at, m.author, m.topics, m.terms);
    });
    assert!(
        steady_seen.is_empty(),
        "steady terms reported: {steady_seen:?}"
    );
    println!("emerging before the spike: {early:?}");
    assert!(early.len() <= 2, "{early:?}");
    let first = first_top.expect("the hashtag never topped emerging()");
    assert!(first - onset <= chrono::Duration::minutes(10), "{first}");
}

#[test]
#[ignore]
fn throughput_and_memory() {
    let config = SimConfig {
        seed: 9,
        duration: DAY,
        messages_per_day: 300_000.0,
        terms_per_message: 8,
        ..SimConfig::default()
    };
    let messages = record(config);
    let mut engine = TrendEngine::new(seed_topic_specs(), EngineOptions::default());
    let refs: Vec<Vec<&str>> = messages
        .iter()
        .map(|m| m.3.iter().map(String::as_str).collect())
        .collect();
    let started = Instant::now();
    let mut events = 0;
    for (m, terms) in messages.iter().zip(&refs) {
        events += engine.observe(m.0, &m.1, &m.2, terms).len();
    }
    let secs = started.elapsed().as_secs_f64();
    let terms: usize = refs.iter().map(Vec::len).sum();
    println!(
        "observe: {} messages ({:.1} terms each, 6 topics) in {secs:.2} s = {:.0} msg/s, {:.2} µs/msg; {events} events; engine memory {:.1} MB",
        messages.len(),
        terms as f64 / messages.len() as f64,
        messages.len() as f64 / secs,
        secs * 1e6 / messages.len() as f64,
        engine.memory_bytes() as f64 / 1e6
    );
    let started = Instant::now();
    let bytes = engine.snapshot().to_json().expect("serializes");
    println!(
        "snapshot after a day: {:.1} MB of JSON in {:.2} s",
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}

/// The sweep behind the defaults (release: `cargo test --release --lib
/// trends::tests::tuning_sweep -- --ignored --nocapture`): false alarms over
/// 20 background weeks and detection delays of test (a)'s 30 bursts over 5
/// seeds, for a few settings.
#[test]
#[ignore]
fn tuning_sweep() {
    // (for, Bonferroni, p_value, min_ratio)
    let variants = [
        (2u64, false, 1e-4, 3.0),
        (1, false, 1e-4, 3.0),
        (1, true, 1e-4, 3.0),
        (1, false, 1e-4, 2.0),
        (0, false, 1e-4, 3.0),
    ];
    for (hold, bonferroni, p_value, min_ratio) in variants {
        let specs: Vec<TopicSpec> = seed_topic_specs()
            .into_iter()
            .map(|s| TopicSpec {
                for_: MINUTE * hold as u32,
                p_value,
                min_ratio,
                ..s
            })
            .collect();
        let options = EngineOptions {
            bonferroni,
            ..topic_only()
        };
        let mut fa = 0;
        for seed in 100..120u64 {
            let config = SimConfig {
                seed,
                terms_per_message: 0,
                ..SimConfig::default()
            };
            let mut engine = TrendEngine::new(specs.clone(), options.clone());
            fa += firings(&feed(&mut engine, config)).len();
        }
        let mut delays = [0usize; 12];
        let (mut missed, mut outside) = (0, 0);
        for seed in 1..6u64 {
            let bursts = burst_schedule(default_start());
            let config = SimConfig {
                seed,
                terms_per_message: 0,
                bursts: bursts.clone(),
                ..SimConfig::default()
            };
            let mut engine = TrendEngine::new(specs.clone(), options.clone());
            let events = feed(&mut engine, config);
            for b in &bursts {
                let hit = firings(&events)
                    .into_iter()
                    .find(|e| during(e, std::slice::from_ref(b)));
                match hit {
                    Some(e) => delays[((e.at() - b.onset).num_minutes() as usize).min(11)] += 1,
                    None => missed += 1,
                }
            }
            outside += firings(&events)
                .into_iter()
                .filter(|e| !during(e, &bursts))
                .count();
        }
        println!(
            "for={hold}m bonferroni={bonferroni} p={p_value:e} ratio={min_ratio}: FA {fa}/20 weeks; delays(min) {delays:?}; missed {missed}; other alarms {outside}"
        );
    }
}
