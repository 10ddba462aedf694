//! A deterministic generator of realistic support mail, for the benchmark
//! and for tests that need thousands of distinct mails.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::Instant;

const COMPLAINTS: &[&str] = &[
    "我昨天晚上转账{amt}元给朋友，结果转错了账号，对方账户是{acct}，请帮我追回，订单号{order}。",
    "花呗显示我已经逾期了，可是我{day}号就还款了，还款记录在这里，订单号{order}，请核实。",
    "商户答应退款{amt}元，已经过去七天了还没有到账，交易号{order}，请帮忙催一下。",
    "我在泰国扫码支付{amt}元失败，之后账户被冻结了，说是跨境风控，什么时候能解冻？",
    "怀疑我的银行卡信息泄露了，今天凌晨有一笔{amt}元的陌生扣款，交易号{order}。",
    "双十二抢红包一直失败，页面显示系统繁忙，红包也没有到账，这是怎么回事？",
    "有人冒充支付宝客服打电话给我，让我转账{amt}元到安全账户，我怀疑是诈骗，请冻结对方{acct}。",
    "余额宝收益今天没有显示，昨天转入了{amt}元，订单号{order}，麻烦查一下。",
    "借呗还款日是{day}号，我提前还了{amt}元，为什么还在计算利息？",
    "我的账号在陌生手机上登录了，我没有授权，请帮我冻结账户并查一下最近的交易。",
    "芝麻信用分突然降了很多，我没有任何逾期记录，请解释一下原因。",
    "退款申请被商户拒绝了，商品根本没有收到，订单号{order}，金额{amt}元，请介入处理。",
];

const GREETINGS: &[&str] = &[
    "您好，",
    "客服你好：",
    "支付宝客服：",
    "你好，麻烦看一下。",
    "打扰了，",
    "您好！急！",
    "尊敬的客服：",
    "",
];

const CONTEXTS: &[&str] = &[
    "当时我在地铁上用手机操作，信号不太好。",
    "这是我第一次遇到这种情况，之前一直用得好好的。",
    "我已经打过95188了，说让我发邮件说明。",
    "截图我放在附件里了，麻烦看一下。",
    "这笔钱是给孩子交学费的，比较着急。",
    "我在App里的在线客服也问了，一直没有结果。",
    "我的手机号码是138****5678，可以随时联系我。",
    "我用的是华为手机，支付宝是最新版本。",
    "同事也遇到了一样的问题，不知道是不是系统故障。",
    "我已经在微博上@了你们，也没有人回复。",
    "之前的工单号我找不到了，只能重新写一封。",
    "我在国外出差，只能用邮件联系你们。",
];

const CLOSINGS: &[&str] = &[
    "谢谢！",
    "盼复。",
    "希望尽快处理，谢谢。",
    "麻烦了！",
    "等你们的回复。",
    "急等，谢谢！",
    "辛苦了。",
    "",
];

const NAMES: &[&str] = &[
    "王小明",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周杰",
    "吴芳",
];

/// Produces mail bytes in a fixed, seeded sequence.
pub struct Generator {
    state: u64,
    n: u64,
    recent_ids: VecDeque<String>,
    recent_raw: VecDeque<Vec<u8>>,
    recent_text: VecDeque<String>,
}

impl Generator {
    /// A generator; the same seed gives the same mails.
    pub fn new(seed: u64) -> Generator {
        Generator {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            n: 0,
            recent_ids: VecDeque::new(),
            recent_raw: VecDeque::new(),
            recent_text: VecDeque::new(),
        }
    }

    fn next_u64(&mut self) -> u64 {
        // xorshift64*: tiny and good enough for picking templates.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        let i = (self.next_u64() % items.len() as u64) as usize;
        items.get(i).copied().unwrap_or("")
    }

    /// The next complaint text, with its own numbers.
    pub fn complaint(&mut self) -> String {
        let template = self.pick(COMPLAINTS);
        let order = format!(
            "2026112722001{:015}",
            self.next_u64() % 1_000_000_000_000_000
        );
        let greeting = self.pick(GREETINGS);
        let first = self.pick(CONTEXTS);
        let second = self.pick(CONTEXTS);
        let closing = self.pick(CLOSINGS);
        let body = template
            .replace(
                "{amt}",
                &format!(
                    "{}.{:02}",
                    self.next_u64() % 5000 + 1,
                    self.next_u64() % 100
                ),
            )
            .replace("{acct}", &format!("138****{:04}", self.next_u64() % 10000))
            .replace("{order}", &order)
            .replace("{day}", &format!("{}", self.next_u64() % 28 + 1));
        format!("{greeting}\n{body}{first}{second}\n{closing}")
    }

    /// A mail that is unique (its own Message-ID), never a duplicate.
    pub fn unique_mail(&mut self) -> Vec<u8> {
        self.n += 1;
        let text = self.complaint();
        self.plain_utf8_qp(&text, None)
    }

    /// The next mail of the realistic mix.
    pub fn next_mail(&mut self) -> Vec<u8> {
        self.n += 1;
        let roll = self.next_u64() % 100;
        let raw = match roll {
            0..=34 => {
                let text = self.complaint();
                self.plain_utf8_qp(&text, None)
            }
            35..=54 => self.html_base64(),
            55..=74 => self.gbk_8bit(),
            75..=82 => self.with_attachment(),
            83..=86 => self.auto_reply(),
            87..=91 => self.follow_up(),
            92..=96 => match self.recent_raw.front() {
                Some(raw) => return raw.clone(),
                None => self.html_base64(),
            },
            _ => self.near_duplicate(),
        };
        if self.recent_raw.len() >= 64 {
            self.recent_raw.pop_front();
        }
        self.recent_raw.push_back(raw.clone());
        raw
    }

    fn headers(
        &mut self,
        subject: &str,
        extra: &str,
        content_type: &str,
        cte: &str,
    ) -> (String, String) {
        let salt = self.next_u64() % 1_000_000;
        let id = format!("{}.{salt}@mail.example.cn", self.n);
        let name = self.pick(NAMES);
        let user = self.next_u64() % 100_000;
        let mut h = String::with_capacity(512);
        let _ = write!(
            h,
            "From: =?UTF-8?B?{}?= <user{user}@example.cn>\r\nTo: help@alipay.com\r\nSubject: =?UTF-8?B?{}?=\r\nDate: Fri, 27 Nov 2026 10:{:02}:{:02} +0800\r\nMessage-ID: <{id}>\r\n{extra}MIME-Version: 1.0\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n",
            base64(name.as_bytes()),
            base64(subject.as_bytes()),
            self.n / 60 % 60,
            self.n % 60,
        );
        if self.recent_ids.len() >= 256 {
            self.recent_ids.pop_front();
        }
        self.recent_ids.push_back(id.clone());
        (h, id)
    }

    fn remember_text(&mut self, text: &str) {
        if self.recent_text.len() >= 32 {
            self.recent_text.pop_front();
        }
        self.recent_text.push_back(text.to_string());
    }

    fn plain_utf8_qp(&mut self, text: &str, extra: Option<&str>) -> Vec<u8> {
        self.remember_text(text);
        let (mut mail, _) = self.headers(
            "支付宝客服请帮忙",
            extra.unwrap_or(""),
            "text/plain; charset=UTF-8",
            "quoted-printable",
        );
        mail.push_str(&quoted_printable(text.as_bytes()));
        mail.into_bytes()
    }

    fn html_base64(&mut self) -> Vec<u8> {
        let text = self.complaint();
        self.remember_text(&text);
        let html = format!("<html><body><p>您好：</p><p>{text}</p><p>谢谢！</p></body></html>");
        let (mut mail, _) = self.headers("问题反馈", "", "text/html; charset=UTF-8", "base64");
        mail.push_str(&wrap76(&base64(html.as_bytes())));
        mail.into_bytes()
    }

    fn gbk_8bit(&mut self) -> Vec<u8> {
        let text = self.complaint();
        self.remember_text(&text);
        let (mail, _) = self.headers("账户问题", "", "text/plain; charset=GBK", "8bit");
        let (body, _, _) = encoding_rs::GBK.encode(&text);
        let mut raw = mail.into_bytes();
        raw.extend_from_slice(&body);
        raw.extend_from_slice(b"\r\n");
        raw
    }

    fn with_attachment(&mut self) -> Vec<u8> {
        let text = self.complaint();
        self.remember_text(&text);
        let boundary = format!("b{}", self.next_u64());
        let (mut mail, _) = self.headers(
            "转账截图",
            "",
            &format!("multipart/mixed; boundary=\"{boundary}\""),
            "7bit",
        );
        let png: Vec<u8> = (0..600u32).map(|i| (i * 7 + self.n as u32) as u8).collect();
        let _ = write!(
            mail,
            "--{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}\r\nContent-Type: image/png; name=\"=?UTF-8?B?{}?=\"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
            wrap76(&base64(text.as_bytes())),
            base64("转账截图.png".as_bytes()),
            wrap76(&base64(&png)),
        );
        mail.into_bytes()
    }

    fn auto_reply(&mut self) -> Vec<u8> {
        let text = "您好，我正在休假，12月1日返回，期间邮件不能及时回复。";
        self.plain_utf8_qp(text, Some("Auto-Submitted: auto-replied\r\n"))
    }

    fn follow_up(&mut self) -> Vec<u8> {
        let Some(parent) = self.recent_ids.back().cloned() else {
            return self.html_base64();
        };
        let extra = format!("In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n");
        let text = "请问处理得怎么样了？已经等了三天了。\r\n\r\n在 2026年11月27日 10:00，支付宝客服 写道：\r\n> 您好，已收到您的反馈。";
        self.plain_utf8_qp(text, Some(&extra))
    }

    fn near_duplicate(&mut self) -> Vec<u8> {
        let text = match self.recent_text.front() {
            Some(t) => format!("{t}同问！"),
            None => self.complaint(),
        };
        self.plain_utf8_qp(&text, None)
    }
}

/// Mails generated per second (to tell generation cost apart from ingest).
pub fn generation_rate(n: u64) -> f64 {
    let mut g = Generator::new(7);
    let started = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..n {
        bytes += g.next_mail().len();
    }
    std::hint::black_box(bytes);
    n as f64 / started.elapsed().as_secs_f64().max(1e-9)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn wrap76(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 76 * 2);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            out.push_str("\r\n");
        }
        out.push(c);
    }
    out
}

fn quoted_printable(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 3);
    let mut line = 0;
    for &b in data {
        let piece = if b == b'\r' || b == b'\n' {
            line = 0;
            out.push(char::from(b));
            continue;
        } else if (33..=126).contains(&b) && b != b'=' || b == b' ' {
            char::from(b).to_string()
        } else {
            format!("={b:02X}")
        };
        if line + piece.len() > 75 {
            out.push_str("=\r\n");
            line = 0;
        }
        line += piece.len();
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn generator_is_deterministic() {
        let a: Vec<_> = (0..50)
            .map({
                let mut g = Generator::new(1);
                move |_| g.next_mail()
            })
            .collect();
        let b: Vec<_> = (0..50)
            .map({
                let mut g = Generator::new(1);
                move |_| g.next_mail()
            })
            .collect();
        assert_eq!(a, b);
    }
}
