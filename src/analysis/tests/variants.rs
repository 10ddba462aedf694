//! The same complaint in another script, width or with emoji is the same
//! complaint: equal normalized text, equal tokens.

use super::analyzer;
use crate::analysis::Segmenter;

#[test]
fn traditional_full_width_and_emoji_variants_give_the_same_normalized_text_and_tokens() {
    let groups: &[&[&str]] = &[
        &[
            "我的花呗还款失败了，余额宝收益也没到账！",
            "我的花唄還款失敗了，餘額寶收益也沒到賬！",
            "我的花呗还款失败了,余额宝收益也没到账!",
            "我的花呗还款失败了😭，余额宝收益也没到账！😡😡",
            "我的花\u{200B}呗还款失败了，余额宝收益也没到账！",
        ],
        &[
            "双十二抢红包被风控冻结了，ZFB客服也不回，订单号：2026121222001456789012345678",
            "雙十二搶紅包被風控凍結了，ZFB客服也不回，訂單號：2026121222001456789012345678",
            "双１２抢红包被风控冻结了，ｚｆｂ客服也不回，订单号：２０２６１２１２２２００１４５６７８９０１２３４５６７８",
            "双12抢红包被风控冻结了，支付宝客服也不回，订单号:2026121222001456789012345678",
        ],
        &[
            "#借呗# 转账给朋友一直显示处理中，账户被冻结了",
            "#借唄# 轉賬給朋友一直顯示處理中，帳戶被凍結了",
            "＃借呗＃　转账给朋友一直显示处理中，账户被冻结了👍🏽",
        ],
    ];
    for group in groups {
        let first = analyzer().analyze(group[0]);
        assert!(!first.tokens.is_empty());
        for variant in &group[1..] {
            let a = analyzer().analyze(variant);
            assert_eq!(a.normalized, first.normalized, "{variant}");
            assert_eq!(a.tokens, first.tokens, "{variant}");
            assert_eq!(a.hashtags, first.hashtags, "{variant}");
            assert_eq!(a.details, first.details, "{variant}");
            assert_eq!(analyzer().normalizer().normalize(variant), a.normalized);
        }
    }
}

#[test]
fn product_words_come_out_whole_thanks_to_the_user_dictionary() {
    let a =
        analyzer().analyze("我的花呗借呗余额宝双十二蚂蚁森林芝麻信用全出问题了，被风控误转冻结");
    for word in [
        "花呗",
        "借呗",
        "余额宝",
        "双十二",
        "蚂蚁森林",
        "芝麻信用",
        "风控",
        "误转",
        "冻结",
    ] {
        assert!(
            a.tokens.iter().any(|t| t == word),
            "{word} in {:?}",
            a.tokens
        );
    }
    // jieba's own dictionary splits them (research/trending.md §2.1).
    assert_ne!(Segmenter::default_only().tokens("借呗"), ["借呗"]);
}

#[test]
fn tokens_drop_stop_words_punctuation_numbers_markup_and_repeats() {
    let a = analyzer().analyze(
        "@支付宝 请问我的花呗怎么又逾期了？？花呗明明还了200元 http://t.cn/A6abc [怒] #花呗逾期#",
    );
    assert_eq!(a.tokens.iter().filter(|t| *t == "花呗").count(), 1);
    for gone in [
        "请问",
        "我",
        "的",
        "了",
        "?",
        "200",
        "元",
        "支付宝",
        "http",
        "怒",
        "花呗逾期",
        " ",
    ] {
        assert!(
            !a.tokens.iter().any(|t| t == gone),
            "{gone:?} in {:?}",
            a.tokens
        );
    }
    assert_eq!(a.hashtags, ["花呗逾期"]);
    assert_eq!(a.mentions, ["支付宝"]);
    assert_eq!(a.links, ["http://t.cn/a6abc"]);
    assert_eq!(a.emoticons, ["怒"]);
}

#[test]
fn a_mention_typed_without_a_space_keeps_the_words_after_a_known_account() {
    let a = analyzer().analyze("@支付宝花呗还款失败");
    assert_eq!(a.mentions, ["支付宝"]);
    assert!(a.tokens.iter().any(|t| t == "花呗"), "{:?}", a.tokens);
}

#[test]
fn hashtags_are_simplified_and_alias_folded() {
    let a = analyzer().analyze("#雙12紅包# #双十二红包# #  花唄  #");
    assert_eq!(a.hashtags, ["双十二红包", "花呗"]);
}

#[test]
fn phrase_only_traditional_characters_are_still_converted() {
    // `覆`, `瞭` change only inside phrases; the fast path must not skip them.
    let n = analyzer().normalizer();
    assert_eq!(n.simplify("回覆"), "回复");
    assert_eq!(n.simplify("一目瞭然"), "一目了然");
    assert_eq!(n.simplify("頭髮"), "头发");
    let simple = "我的花呗还款失败了";
    assert!(matches!(n.simplify(simple), std::borrow::Cow::Borrowed(_)));
    // 么, 俱, 彷 change only beside a character that changes alone, so the
    // fast path converts those texts and skips the common 怎么, 什么.
    let opencc = ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s)
        .expect("OpenCC t2s loads");
    for text in [
        "么麼",
        "么麽",
        "傢俱",
        "彷彿",
        "彷徨",
        "俱乐部",
        "沈默",
        "藉口",
        "牴牾",
        "衹得",
    ] {
        assert_eq!(n.simplify(text), opencc.convert(text), "{text}");
    }
    for text in ["怎么还没到账", "为什么扣款", "俱乐部会员", "彷徨"] {
        assert!(
            matches!(n.simplify(text), std::borrow::Cow::Borrowed(_)),
            "{text}"
        );
    }
}
