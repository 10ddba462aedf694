//! A rough single-thread figure for `analyze` on short complaints:
//! `cargo test --release --lib analysis -- --ignored --nocapture`.

use std::time::Instant;

use super::analyzer;

#[test]
#[ignore = "throughput figure; run in release"]
fn analyze_throughput_on_short_complaints() {
    let who = ["我", "朋友", "我妈", "同事"];
    let when = [
        "昨晚8点",
        "今天下午3点",
        "12月12日",
        "刚才",
        "2026-12-12 20:15",
    ];
    let what = [
        "花呗还款失败了，被扣了¥200",
        "余额宝收益没到账，少了35块",
        "双十二抢红包被风控冻结",
        "转错账给了13812345678，求帮忙",
        "银行卡6222 0212 3456 7890 128被盗刷",
        "借唄逾期了，已經還款￥1,280.50",
        "订单号2026112622001498765432109876退款没到",
    ];
    let tail = ["", "😡", " @支付宝", " #双十二#", " //@小王:同问"];
    let mut messages = Vec::new();
    for (i, w) in who.iter().enumerate() {
        for (j, t) in when.iter().enumerate() {
            for (k, x) in what.iter().enumerate() {
                messages.push(format!(
                    "{w}{t}{x}，请尽快处理{}",
                    tail[(i + j + k) % tail.len()]
                ));
            }
        }
    }
    let chars: usize = messages.iter().map(|m| m.chars().count()).sum();
    let a = analyzer();
    for m in &messages {
        std::hint::black_box(a.analyze(m));
    }
    let rounds = 200;
    let start = Instant::now();
    let mut tokens = 0;
    for _ in 0..rounds {
        for m in &messages {
            tokens += std::hint::black_box(a.analyze(m)).tokens.len();
        }
    }
    let elapsed = start.elapsed();
    let n = rounds * messages.len();
    println!(
        "analyze: {n} messages of {:.1} characters on average in {elapsed:.2?}: {:.0} messages/s ({tokens} tokens)",
        chars as f64 / messages.len() as f64,
        n as f64 / elapsed.as_secs_f64()
    );
}
