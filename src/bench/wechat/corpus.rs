//! Generated pushes' content: a seeded generator, OpenID-shaped senders
//! and Chinese customer messages with emoji.

use std::io::Read as _;

/// splitmix64: deterministic pushes from a seed, no rand dependency.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }

    pub(super) fn alnum(&mut self, len: usize) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(ALNUM[self.below(ALNUM.len())]))
            .collect()
    }
}

/// A seed from the kernel's randomness (the scratch Token and key come
/// from it), or from the clock where /dev/urandom cannot be read.
pub(super) fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    match read {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            nanos ^ u64::from(std::process::id()).rotate_left(32)
        }
    }
}

/// An OpenID-shaped sender id: `o` and 27 URL-safe base64 characters.
pub(super) fn openid(rng: &mut Rng) -> String {
    const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = String::with_capacity(28);
    id.push('o');
    for _ in 0..27 {
        id.push(char::from(B64URL[rng.below(B64URL.len())]));
    }
    id
}

const OPENERS: &[&str] = &[
    "在吗？",
    "你好，",
    "客服你好，",
    "您好！",
    "人工客服",
    "急！！",
    "请问一下，",
    "麻烦问下",
    "哈喽，",
    "客服在不在",
    "",
    "",
];

const WHEN: &[&str] = &[
    "昨天晚上",
    "今天早上",
    "刚刚",
    "上周五",
    "{day}号那天",
    "前天下午",
    "这个月",
    "从上个月开始",
    "半小时前",
    "中午吃饭的时候",
    "",
    "",
];

const SUBJECTS: &[&str] = &[
    "我的花呗",
    "借呗",
    "余额宝",
    "绑定的银行卡",
    "信用卡还款",
    "淘宝那笔订单",
    "水电费缴费",
    "ETC扣费",
    "医保电子凭证",
    "乘车码",
    "基金定投",
    "收到的红包",
    "给我妈的转账",
    "扫码付款",
    "亲情卡",
    "蚂蚁森林",
    "芝麻信用分",
    "刚申请的退款",
    "国际汇款",
    "商家收款码",
    "话费充值",
    "网商贷",
];

const PROBLEMS: &[&str] = &[
    "突然用不了了",
    "显示交易失败但是钱扣了",
    "一直提示系统繁忙",
    "被冻结了",
    "扣了两次钱",
    "到现在还没到账",
    "一直显示处理中",
    "莫名其妙少了{amt}元",
    "额度被降了",
    "提示存在风险不让付",
    "验证码一直收不到",
    "页面打不开",
    "密码输错三次被锁了",
    "显示异常请稍后再试",
    "好像被别人绑定了",
    "自动续费扣了{amt}元",
    "退款只退了一半",
    "收益没有显示",
    "人脸识别一直失败",
    "多扣了{amt}元手续费",
];

const SPECIFICS: &[&str] = &[
    "订单号{order}",
    "交易号{order}",
    "金额{amt}元",
    "尾号{four}的卡",
    "我手机尾号{four}",
    "一共{amt}元",
    "",
    "",
    "",
];

const DETAILS: &[&str] = &[
    "截图我发过了",
    "打了95188一直排队",
    "这钱是交房租的",
    "之前一直用得好好的",
    "我是用华为手机操作的",
    "同事也遇到一样的问题",
    "已经等了三天了",
    "App里的在线客服也问了",
    "我老婆的号也这样",
    "网络是好的",
    "",
    "",
    "",
];

const FEELINGS: &[&str] = &[
    "😭", "🙏🙏", "😡", "🤔", "😢", "[捂脸]", "[流泪]", "[抓狂]", "/::(", "[合十]", "❤️", "😂",
    "👍", "", "", "",
];

const QUESTIONS: &[&str] = &[
    "这是怎么回事？",
    "怎么处理？",
    "要多久能好？",
    "钱什么时候退回来？",
    "是不是系统出问题了？",
    "我该找谁？",
    "能帮我查一下吗",
    "谢谢！",
    "麻烦尽快处理",
    "急等回复",
    "怎么办啊",
    "辛苦了",
    "？？？",
    "",
];

/// A customer's message, 20 to 200 characters, mostly short, with emoji.
pub(super) fn message_text(rng: &mut Rng) -> String {
    // The smaller of two uniform draws: most messages are short.
    let target = 20 + rng.below(181).min(rng.below(181));
    let mut text = String::from(rng.pick(OPENERS));
    while text.chars().count() < target {
        let parts = [
            rng.pick(WHEN),
            rng.pick(SUBJECTS),
            rng.pick(PROBLEMS),
            "，",
            rng.pick(SPECIFICS),
            rng.pick(FEELINGS),
            rng.pick(DETAILS),
            rng.pick(QUESTIONS),
            rng.pick(FEELINGS),
        ];
        for part in parts {
            let part = part
                .replace(
                    "{amt}",
                    &format!("{}.{:02}", 1 + rng.below(9_999), rng.below(100)),
                )
                .replace(
                    "{order}",
                    &format!("2026{:016}", rng.next() % 10_000_000_000_000_000),
                )
                .replace("{four}", &format!("{:04}", rng.below(10_000)))
                .replace("{day}", &(1 + rng.below(28)).to_string());
            text.push_str(&part);
        }
    }
    text.chars().take(target).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_20_to_200_characters() {
        let mut rng = Rng::new(7);
        let mut emoji = 0;
        for _ in 0..5_000 {
            let text = message_text(&mut rng);
            let n = text.chars().count();
            assert!((20..=200).contains(&n), "{n}: {text}");
            assert!(!text.contains("]]>"));
            emoji += usize::from(text.chars().any(|c| u32::from(c) >= 0x1F300));
        }
        assert!(emoji > 1_000, "{emoji}");
    }
}
