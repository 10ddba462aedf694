//! Near-duplicate detection on realistic Alipay complaints: perturbed copies
//! (the Weibo/WeChat noise of research/trending.md §3.2) must be found, and
//! distinct complaints — even on the same topic — must never be merged.

use omnilisten::dedup::near::{NearIndex, Signature, jaccard};
use omnilisten::text::dedup_form;

/// Distinct complaints, several per topic so that same-topic pairs (which
/// share words like 转账, 花呗, 退款, 红包) are among the negatives.
const COMPLAINTS: [&str; 40] = [
    // 转账转错 / 诈骗
    "下午给房东转账的时候手滑输错了一位账号，三千块钱转给了陌生人，怎么才能要回来？",
    "转账转错人了，对方一直不接电话也不回消息，支付宝客服说只能协商，我该怎么办",
    "昨晚把给我妈的生活费误转到了一个同名的人那里，能不能帮忙冻结对方账户",
    "刚才扫码付款多输了一个零，本来付一百结果付了一千，商家不承认收到了",
    "给网上认识的卖家转了定金之后就被拉黑了，这是不是诈骗，钱还能追回吗",
    "转账显示成功但是对方说没收到，银行那边也查不到记录，钱到底去哪了",
    // 花呗逾期
    "花呗账单忘记还了，逾期两天就收到催收短信，说要上报征信，真的会影响房贷吗",
    "我明明设置了自动还款，余额也够，花呗却显示逾期，还扣了我的违约金",
    "疫情期间收入断了，花呗分期还不上，能不能申请延期还款或者减免利息",
    "花呗逾期后额度被冻结了，已经全部还清一个月了还是不能用，什么时候恢复",
    "催收电话打到我单位和家里人那里去了，说话很难听，这种做法合法吗",
    "花呗最低还款和分期还款到底哪个划算，我算出来的利息和账单上对不上",
    // 退款
    "淘宝上退货退款已经寄回去十天了，商家一直不点确认收货，钱迟迟不到账",
    "机票退票说三到七个工作日原路退回，现在半个月过去了还是没看到退款",
    "退款显示已经成功，但是我的银行卡里没有收到这笔钱，查询也查不到流水",
    "外卖订单被商家取消了，钱却没有退回来，联系骑手和客服都说不归他们管",
    "买的会员自动续费了，我根本没用过，申请退款被拒绝，理由是超过了时限",
    "退款退到了花呗，可是我这期账单已经用余额还过了，这钱是不是白白丢了",
    // 跨境冻结
    "收到一笔海外客户的货款后账户突然被冻结，要求提供合同和报关单，可我是个人卖家",
    "在国外旅游用支付宝付款被风控了，提示账户存在异常，现在人在外面没钱吃饭",
    "跨境汇款被退回了，手续费却没退，客服说是中间行扣的，我去哪里查这笔费用",
    "我的国际版账户绑定的外币卡一直验证失败，上传了护照还是说身份信息不符",
    "做跨境电商的收款账户被限制了提现，已经提交三次材料，每次都说审核不通过",
    "出国留学交学费用了支付宝的境外汇款，学校说没收到，钱被卡在哪里了",
    // 红包
    "双十二的红包领了以后付款时用不了，提示不满足使用条件，规则也没写清楚",
    "群里抢的红包一直显示在路上，过了二十四小时还没到账，也没有自动退回",
    "邀请好友助力领现金红包，差一分钱就能提现了，拉了几十个人都卡着不动",
    "给朋友发的生日红包对方没领，说好的二十四小时退回，结果过了两天还没退",
    "天天领的消费红包过期得太快了，我还没来得及用就没了，能不能延长有效期",
    "扫码领赏金红包后到店付款时根本抵扣不了，店员也说不知道怎么回事",
    // 盗号
    "半夜收到验证码短信，早上起来发现支付宝被人登录了，余额全被转走了",
    "我的账号在陌生手机上登录，改了我的密保手机号，现在我自己登录不上去",
    "有人冒充客服打电话说我的百万保障要收费，让我共享屏幕，结果银行卡被盗刷",
    "账户被盗以后用我的名义借了借呗，我根本没有申请过，这笔贷款凭什么要我还",
    "收到一条说账户异常需要重新认证的链接，点进去填了信息之后钱就没了",
    // 其他
    "芝麻信用分突然降了五十多分，我什么都没做，也没有逾期记录，请给个说法",
    "余额宝的收益这几天一直是零，钱还在里面，是系统出问题了还是被冻结了",
    "实名认证需要人脸识别，但是我家老人怎么都识别不过，能不能人工审核",
    "蚂蚁森林的能量被别人偷了就算了，我自己收的能量这两天都没有加上去",
    "公交乘车码刷不出来，司机让我下车，早高峰耽误上班，这个问题出现好几次了",
];

/// Copies generated per complaint.
const COPIES: usize = 25;

/// A tiny deterministic generator (xorshift64*), so the corpus is the same on
/// every run and a failure can be reproduced.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FILLER: [&str; 12] = [
    "的", "了", "我", "是", "不", "在", "也", "就", "都", "还", "啊", "吧",
];
const EMOJI: [&str; 8] = ["😡", "😭", "🙏", "👍🏽", "[怒]", "[泪]", "[哈哈]", "[doge]"];
const WIDTH: [(char, char); 6] = [
    ('，', ','),
    ('！', '!'),
    ('？', '?'),
    ('：', ':'),
    ('（', '('),
    ('）', ')'),
];

/// 1–3 characters inserted, deleted or substituted at random positions.
fn edit_chars(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(chars.len());
        let filler = rng.pick(&FILLER).chars().next().unwrap_or('的');
        match rng.below(3) {
            0 => chars.insert(at, filler),
            1 => {
                chars.remove(at);
            }
            _ => chars[at] = filler,
        }
    }
    chars.into_iter().collect()
}

/// Full-width punctuation made half-width and vice versa, plus stray spaces.
fn swap_width(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let swapped = WIDTH.iter().find_map(|&(full, half)| {
                (c == full).then_some(half).or((c == half).then_some(full))
            });
            match swapped {
                Some(',') => vec![',', ' '],
                Some(other) => vec![other],
                None => vec![c],
            }
        })
        .collect()
}

/// One Weibo/WeChat-style perturbation of kind `kind`.
fn perturb_once(text: &str, kind: usize, rng: &mut Rng) -> String {
    match kind {
        0 => edit_chars(text, rng),
        1 => format!("{text}//@用户{}:同问，我也是", rng.below(10_000)),
        2 => {
            let at = text
                .char_indices()
                .nth(rng.below(text.chars().count()))
                .map_or(0, |(i, _)| i);
            format!("{}{}{}", &text[..at], rng.pick(&EMOJI), &text[at..])
        }
        3 => swap_width(text),
        4 => format!("{text} http://t.cn/A6{:x}", rng.next() & 0x00FF_FFFF),
        _ => format!("@支付宝 {text}"),
    }
}

/// A copy of `text` with 1–3 distinct kinds of perturbation.
fn perturb(text: &str, rng: &mut Rng) -> String {
    let mut kinds: Vec<usize> = (0..6).collect();
    let mut out = text.to_owned();
    for _ in 0..1 + rng.below(3) {
        let kind = kinds.remove(rng.below(kinds.len()));
        out = perturb_once(&out, kind, rng);
    }
    out
}

fn signature(text: &str) -> Signature {
    let Some(sig) = Signature::of(&dedup_form(text)) else {
        panic!("too short to judge: {text}");
    };
    sig
}

#[test]
fn perturbed_copies_are_found_and_distinct_complaints_never_merge() {
    let originals: Vec<Signature> = COMPLAINTS.iter().map(|t| signature(t)).collect();
    let mut index = NearIndex::new(COMPLAINTS.len(), 0.5);
    for (key, sig) in originals.iter().enumerate() {
        index.insert(key, sig.clone());
    }

    // Recall: every copy should lead back to its own original.
    let mut rng = Rng(0x5EED_0FA1_1CA7);
    let (mut found, mut identical, mut wrong, mut total) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for (key, text) in COMPLAINTS.iter().enumerate() {
        for _ in 0..COPIES {
            let copy = perturb(text, &mut rng);
            total += 1;
            if dedup_form(&copy) == dedup_form(text) {
                identical += 1;
            }
            match Signature::of(&dedup_form(&copy)).and_then(|sig| index.find(&sig)) {
                Some((k, _)) if k == key => found += 1,
                Some((k, s)) => {
                    wrong += 1;
                    misses.push(format!("{copy} → #{k} ({s:.2})"));
                }
                None => misses.push(copy),
            }
        }
    }
    let recall = found as f64 / total as f64;

    // False positives: every pair of distinct complaints, both exactly and
    // through the index (each complaint looked up with itself removed).
    let mut pairs = 0;
    let mut max_pair = 0.0f32;
    for (i, a) in originals.iter().enumerate() {
        for b in &originals[i + 1..] {
            pairs += 1;
            max_pair = max_pair.max(jaccard(a, b));
        }
    }
    let mut false_positives = 0;
    for (i, sig) in originals.iter().enumerate() {
        let mut others = NearIndex::new(COMPLAINTS.len(), 0.5);
        for (key, other) in originals.iter().enumerate().filter(|&(k, _)| k != i) {
            others.insert(key, other.clone());
        }
        if others.find(sig).is_some() {
            false_positives += 1;
        }
    }

    println!(
        "near_dup: recall {found}/{total} = {recall:.4} (identical dedup_form {identical}), \
         wrong original {wrong}, false positives {false_positives} \
         (unrelated pairs {pairs}, highest Jaccard {max_pair:.3})"
    );
    for miss in &misses {
        println!("  missed: {miss}");
    }
    assert!(recall >= 0.95, "recall {recall:.4} below 0.95");
    assert_eq!(wrong, 0, "copies attached to the wrong complaint");
    assert_eq!(false_positives, 0);
    assert!(
        max_pair < 0.5,
        "two distinct complaints reach Jaccard {max_pair}"
    );
}
