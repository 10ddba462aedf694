//! The people and the words: the 支付宝 account, a crowd of ordinary users,
//! and the Chinese texts they write — complaints that @-mention the account
//! (花呗, 退款, 转错账, 红包, `#双十二#`, t.cn links, `[怒]`), comments on
//! them, and the account's own announcements.

use chrono::{DateTime, Duration, Utc};

use super::rng::Rng;

/// The account's uid: the one the tokens belong to and mentions name.
pub const ACCOUNT_UID: i64 = 2_000_000_001;
/// The account's screen name, as `@支付宝` in texts.
pub const ACCOUNT_NAME: &str = "支付宝";

/// A Weibo user as the stand-in renders it.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: i64,
    pub(crate) screen_name: String,
    pub(crate) province: &'static str,
    pub(crate) city: &'static str,
    pub(crate) location: &'static str,
    pub(crate) gender: &'static str,
    pub(crate) description: String,
    pub(crate) followers: u64,
    pub(crate) friends: u64,
    pub(crate) statuses: u64,
    pub(crate) favourites: u64,
    pub(crate) verified: bool,
    /// -1 ordinary, 2 company (蓝V).
    pub(crate) verified_type: i64,
    pub(crate) verified_reason: &'static str,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) avatar: String,
}

const NAMES: &[&str] = &[
    "小鱼儿爱吃鱼",
    "杭州打工人2023",
    "momo_林",
    "阿杰不加班",
    "一只咸鱼的日常",
    "Sunny晴天",
    "老王在北京",
    "橘子汽水",
    "程序员小张",
    "夏天的风_",
    "北漂十年",
    "广州吃货小分队",
    "喵星人大橘",
    "奶茶续命中",
    "深圳小李",
    "追风少年Leo",
    "爱旅行的猫",
    "吃土少女",
    "李大嘴",
    "糖醋排骨",
    "成都闲人",
    "陈小胖胖",
    "Amy在上海",
    "早睡早起的刘",
    "今天也要加油鸭",
    "南京西路的风",
    "一颗柠檬茶",
    "宝妈日记",
    "大学生小周",
    "老张开网店",
];

/// (province, city, location): strings, as Weibo sends them.
const PLACES: &[(&str, &str, &str)] = &[
    ("11", "5", "北京 朝阳区"),
    ("31", "4", "上海 徐汇区"),
    ("33", "1", "浙江 杭州"),
    ("44", "1", "广东 广州"),
    ("44", "3", "广东 深圳"),
    ("51", "1", "四川 成都"),
    ("32", "1", "江苏 南京"),
    ("42", "1", "湖北 武汉"),
    ("61", "1", "陕西 西安"),
    ("100", "1000", "其他"),
];

const BIOS: &[&str] = &[
    "",
    "生活不止眼前的苟且",
    "努力搬砖中",
    "热爱生活，热爱美食",
    "一个普通的上班族",
    "佛系青年",
];

/// The 支付宝 account (users\[0\] in the world).
pub(crate) fn account() -> User {
    User {
        id: ACCOUNT_UID,
        screen_name: ACCOUNT_NAME.to_owned(),
        province: "33",
        city: "1",
        location: "浙江 杭州",
        gender: "m",
        description: "支付宝官方微博，生活好，支付宝。".to_owned(),
        followers: 31_245_870,
        friends: 512,
        statuses: 18_934,
        favourites: 120,
        verified: true,
        verified_type: 2,
        verified_reason: "支付宝官方微博",
        created_at: fixed_date(2009, 9, 1),
        avatar: format!("{:08x}ly8g000000000000000001", ACCOUNT_UID),
    }
}

/// Thirty ordinary users with uids, places and counts drawn from `rng`.
pub(crate) fn crowd(rng: &mut Rng) -> Vec<User> {
    NAMES
        .iter()
        .map(|name| {
            let (province, city, location) = *rng.pick(PLACES);
            let id = rng.range(1_100_000_000, 7_999_999_999) as i64;
            let followers = rng.range(3, 20_000);
            User {
                id,
                screen_name: (*name).to_owned(),
                province,
                city,
                location,
                gender: if rng.chance(0.5) { "f" } else { "m" },
                description: (*rng.pick(BIOS)).to_owned(),
                followers,
                friends: rng.range(20, 1_500),
                statuses: rng.range(10, 30_000),
                favourites: rng.range(0, 2_000),
                verified: false,
                verified_type: -1,
                verified_reason: "",
                created_at: fixed_date(
                    2010 + rng.range(0, 14) as i32,
                    1 + rng.range(0, 11) as u32,
                    1 + rng.range(0, 27) as u32,
                ),
                avatar: format!("{:08x}ly8g{:016x}", id, rng.next_u64()),
            }
        })
        .collect()
}

fn fixed_date(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::UNIX_EPOCH)
}

const COMPLAINTS: &[&str] = &[
    "花呗怎么突然被降额了？按时还款从没逾期过，求解释",
    "申请退款七天了还没到账，客服电话一直打不通",
    "转错账了！！转给了一个陌生人，对方不回消息，怎么办",
    "双十二领的红包用不了，显示不满足使用条件",
    "借呗提前还款了为什么还在扣利息",
    "账户被冻结了，人脸识别一直失败",
    "余额宝收益这两天怎么少了这么多",
    "付款码扫了两次扣了两次钱，商家说只收到一笔",
    "收到短信说我的账户有风险要我点链接，这是不是诈骗？",
    "芝麻信用分无缘无故掉了30分",
    "自动续费的会员我早就取消了，这个月又扣了25块",
    "提现到银行卡显示成功但是银行卡没收到钱",
    "绑定银行卡一直提示信息有误，明明填对了",
    "信用卡还款延迟到账，导致我逾期了，谁来负责",
    "花呗分期的手续费算错了吧，和页面上写的不一样",
    "换了手机号以后登不上去了，验证码收不到",
    "红包口令显示已过期，明明是今天发的",
    "退款显示已退回花呗，但花呗账单还要我还",
    "小程序里付了钱订单却显示未支付",
    "双十二凑单满减没生效，多付了40块",
];

const OPENERS: &[&str] = &[
    "",
    "",
    "急急急！",
    "求助！",
    "真的服了，",
    "有没有人管管？",
    "第三次反映了，",
    "请问",
    "在线等，",
];

const HASHTAGS: &[&str] = &["#双十二#", "#支付宝#", "#花呗#", "#退款难#", "#支付宝客服#"];

const EMOTICONS: &[&str] = &[
    "[怒]", "[抓狂]", "[泪]", "[委屈]", "[疑问]", "[生病]", "[衰]", "[哼]", "[怒骂]",
];

const EMOJI: &[&str] = &["😭", "😡", "🙏", "😤"];

const ASIDES: &[&str] = &[
    "同样遇到了，求回复",
    "同问",
    "我也是这样，已经等了三天",
    "转发一下，希望官方看到",
    "+1，太坑了",
];

const COMMENT_MENTIONS: &[&str] = &[
    "我也是，退款一直不到账",
    "什么时候能处理一下",
    "客服电话打不通，麻烦私信我一下",
    "同样的问题，花呗额度被降了",
    "红包到底怎么用啊",
    "能不能给个准话",
    "帮忙看看我的订单，已经私信了",
];

const COMMENTS_TO_ME: &[&str] = &[
    "我的退款什么时候到？订单号发私信了",
    "花呗免息是所有商品都可以吗",
    "活动规则写得太复杂了[汗]",
    "为什么我没有收到红包",
    "系统升级期间付款失败还扣钱了怎么办",
    "已经集齐了，什么时候开奖",
    "希望出个关闭自动续费的入口",
    "客服排队两个小时了[泪]",
    "这个活动我参加了但是没到账",
];

const OWN_STATUSES: &[&str] = &[
    "#双十二# 年终狂欢来啦！花呗分期免息，戳 ",
    "【服务公告】12月5日凌晨2:00-4:00系统升级，期间部分功能暂不可用，给您带来不便敬请谅解。",
    "#支付宝集五福# 今年的福卡你集齐了吗？[心]",
    "蚂蚁森林新上线了梭梭树，快来种一棵吧[太开心]",
    "提醒大家：支付宝不会以任何理由要求您转账到“安全账户”，谨防诈骗！",
    "转错账了别慌，先联系对方，再通过客服申请协助，详情 ",
    "花呗账单日调整指南来啦，看这里 ",
    "#双十二# 红包口令今晚8点发布，记得来领！",
];

const PUBLIC_STATUSES: &[&str] = &[
    "今天的晚霞好美[太开心]",
    "周末去西湖走了走，人好多",
    "加班到十点，终于下班了[衰]",
    "新买的咖啡机到了，明天开始自己做拿铁",
    "双十二买了一堆东西，又要吃土了",
    "有没有人知道退款一般几天到账？",
    "花呗账单又来了[泪]",
    "转账给房东的时候手一抖多打了个零，吓死",
    "这家火锅真的绝了",
    "年终总结写不出来怎么办",
];

/// A t.cn short link like `http://t.cn/A6xYz12Q`.
pub(crate) fn short_link(rng: &mut Rng) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let tail: String = (0..6).map(|_| *rng.pick(ALNUM) as char).collect();
    format!("http://t.cn/A6{tail}")
}

/// A picture id: the author's uid in hex, then random hex (as Weibo's are).
pub(crate) fn pic_id(rng: &mut Rng, uid: i64) -> String {
    format!("{:08x}ly1h{:016x}", uid, rng.next_u64())
}

/// A complaint mentioning @支付宝, with the decorations people add.
pub(crate) fn mention_text(rng: &mut Rng) -> String {
    let complaint = rng.pick(COMPLAINTS);
    let opener = rng.pick(OPENERS);
    let mention = format!("@{ACCOUNT_NAME}");
    let mut text = match rng.below(3) {
        0 => format!("{mention} {opener}{complaint}"),
        1 => format!("{opener}{complaint}，{mention} 请回复"),
        _ => format!("{opener}{complaint} {mention}"),
    };
    if rng.chance(0.35) {
        text = format!("{} {text}", rng.pick(HASHTAGS));
    }
    if rng.chance(0.5) {
        text.push_str(rng.pick::<&str>(EMOTICONS));
    }
    if rng.chance(0.15) {
        text.push_str(rng.pick::<&str>(EMOJI));
    }
    if rng.chance(0.2) {
        text.push_str(" 截图在这 ");
        text.push_str(&short_link(rng));
    }
    trailing_space(rng, text)
}

/// What a reposter writes in front of the chain (always mentions @支付宝).
pub(crate) fn repost_comment(rng: &mut Rng) -> String {
    format!(
        "@{ACCOUNT_NAME} {}{}",
        rng.pick(ASIDES),
        rng.pick(EMOTICONS)
    )
}

/// A long complaint: the story people tell when nothing else worked.
pub(crate) fn long_story(rng: &mut Rng) -> String {
    let mut text = format!("@{ACCOUNT_NAME} ");
    for _ in 0..8 {
        text.push_str(rng.pick::<&str>(COMPLAINTS));
        text.push('。');
    }
    text
}

/// A comment that mentions @支付宝.
pub(crate) fn comment_mention_text(rng: &mut Rng) -> String {
    let body = rng.pick(COMMENT_MENTIONS);
    let text = if rng.chance(0.5) {
        format!("@{ACCOUNT_NAME} {body}")
    } else {
        format!("{body} @{ACCOUNT_NAME}")
    };
    let text = if rng.chance(0.4) {
        format!("{text}{}", rng.pick(EMOTICONS))
    } else {
        text
    };
    trailing_space(rng, text)
}

/// A comment under one of the account's own statuses.
pub(crate) fn comment_to_me_text(rng: &mut Rng) -> String {
    (*rng.pick(COMMENTS_TO_ME)).to_owned()
}

/// One of the account's own statuses.
pub(crate) fn own_status_text(rng: &mut Rng) -> String {
    let text = *rng.pick(OWN_STATUSES);
    if text.ends_with(' ') {
        format!("{text}{}", short_link(rng))
    } else {
        text.to_owned()
    }
}

/// A status by an ordinary user that mentions nobody.
pub(crate) fn public_status_text(rng: &mut Rng) -> String {
    (*rng.pick(PUBLIC_STATUSES)).to_owned()
}

/// Some clients leave a zero-width space at the end (seen in captures).
fn trailing_space(rng: &mut Rng, mut text: String) -> String {
    if rng.chance(0.2) {
        text.push('\u{200B}');
    }
    text
}

/// How long before `start` the background pool begins.
pub(crate) fn pool_span() -> Duration {
    Duration::days(3)
}
