//! Markup spans and inner text on folded text.

use crate::analysis::markup::{MarkupKind, scan};

fn kinds(text: &str) -> Vec<(MarkupKind, String)> {
    scan(text).into_iter().map(|m| (m.kind, m.inner)).collect()
}

#[test]
fn every_kind_is_found_with_its_inner_text() {
    use MarkupKind::*;
    assert_eq!(
        kinds("回复@支付宝_客服-1:[哈哈] #花呗# http://t.cn/a6uem1vu,t.cn/zz9 //@张三:同问"),
        [
            (Mention, "支付宝_客服-1".to_string()),
            (Emoticon, "哈哈".to_string()),
            (Hashtag, "花呗".to_string()),
            (Link, "http://t.cn/a6uem1vu".to_string()),
            (Link, "t.cn/zz9".to_string()),
            (RepostMarker, "张三".to_string()),
        ]
    );
}

#[test]
fn look_alikes_are_not_markup() {
    // A mail address, a bracketed number, an over-long bracket, lone hashes.
    assert!(kinds("help@alipay.com [1] [这不是一个表情的长句子啊] c# ## a").is_empty());
    // A topic longer than 64 characters is not a hashtag.
    assert!(kinds(&format!("#{}#", "长".repeat(65))).is_empty());
}

#[test]
fn spans_cover_exactly_the_markup() {
    let text = "看@支付宝 #双十二# [怒]";
    for m in scan(text) {
        let span = &text[m.start..m.end];
        assert!(span.contains(&m.inner), "{span} {m:?}");
    }
    // A mention typed without a space stops after a known account.
    let m = &scan("@支付宝花呗还款失败")[0];
    assert_eq!((m.inner.as_str(), m.end), ("支付宝", "@支付宝".len()));
    // An exact known account name is not cut.
    assert_eq!(scan("@支付宝客服 你好")[0].inner, "支付宝客服");
}
