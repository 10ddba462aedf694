//! `created_at` parsing and text splitting against the shapes in research/weibo.md.
use super::*;

#[test]
fn created_at_east_eight_becomes_utc() {
    let t = parse_created_at("Tue May 31 17:46:55 +0800 2011").unwrap();
    assert_eq!(t.to_rfc3339(), "2011-05-31T09:46:55+00:00");
}

#[test]
fn created_at_rejects_other_forms() {
    assert!(matches!(
        parse_created_at("2011-05-31 17:46:55"),
        Err(WeiboError::BadDate(_))
    ));
    assert!(parse_created_at("").is_err());
}

#[test]
fn repost_chain_and_markup_split() {
    let t = split_text(
        "转发理由 //@张三:花呗逾期了 //@李四:同问 #双十二# [怒] http://t.cn/A6abcd \u{200B}",
    );
    assert_eq!(t.own, "转发理由");
    assert_eq!(
        t.repost_chain,
        vec![
            ("张三".to_string(), "花呗逾期了".to_string()),
            (
                "李四".to_string(),
                "同问 #双十二# [怒] http://t.cn/A6abcd".to_string()
            ),
        ]
    );
    assert!(t.mentions.is_empty(), "chain markers are not mentions");
    assert_eq!(t.hashtags, ["双十二"]);
    assert_eq!(t.emoticons, ["怒"]);
    assert_eq!(t.links, ["http://t.cn/A6abcd"]);
}

#[test]
fn mentions_hashtags_emoticons_in_own_words() {
    let t = split_text(
        "回复@支付宝_客服-1:[哈哈][doge] 问下 #花呗# @蚂蚁 mail a@b.com https://t.cn/Rx9 [这不是一个表情的长句子]",
    );
    assert!(t.own.starts_with("回复@支付宝_客服-1:[哈哈]"));
    assert!(t.repost_chain.is_empty());
    assert_eq!(t.mentions, ["支付宝_客服-1", "蚂蚁"]);
    assert_eq!(t.hashtags, ["花呗"]);
    assert_eq!(t.emoticons, ["哈哈", "doge"]);
    assert_eq!(t.links, ["https://t.cn/Rx9"]);
}

#[test]
fn full_width_is_normalized() {
    assert_eq!(split_text("ＡＢＣ１２３").own, "ABC123");
    // A full-width colon still marks the chain once normalized.
    let t = split_text("好//@王五：原文");
    assert_eq!(t.own, "好");
    assert_eq!(t.repost_chain, [("王五".to_string(), "原文".to_string())]);
}

#[test]
fn empty_text() {
    assert_eq!(split_text("\u{200B}"), WeiboText::default());
}
