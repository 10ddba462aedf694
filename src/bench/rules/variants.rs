//! The same words in another script or width: traditional characters (as
//! Weibo users in Hong Kong and Taiwan write) and full-width forms (an input
//! method left in that mode). Both must reach the rules as the same text.
//!
//! The character table covers what [`super::phrases`] and [`super::text`]
//! write, from OpenCC's `STCharacters.txt` (ferrous-opencc 0.4): the first
//! traditional form of each character whose `t2s` form is the character
//! again (so `签` → `簽`, not `籤`; `系`, `只`, `面` stay as they are). A test
//! checks that every phrase comes back unchanged through the analyzer's t2s.

use std::sync::OnceLock;

/// Simplified characters, aligned with [`TRADITIONAL`].
const SIMPLIFIED: &str = concat!(
    "东丢两个么书买乱于产亲从们众优会体余储兑关决况冻准几凭刚删别办务动励医单卖占却双",
    "发号后吗呗员咨响园国图块声处复够头奖妈学宝实审宽对尽带帮广应开异当录征怀态戏户托",
    "扫扰抢报挂换据摇数无旧时显机权条来杰柜标树样气汇没泪游点烦状猫现电盗码种积称笔签",
    "类紧红约级纳线细经绑结给络统续维缴网群联脑脸蚁蚂见订认让记设证识诈诉词试话询语误",
    "说请谁调谢负财责败账货购贷费资赎赔赶车转载输边过运还这进违连迟递里钱银铺链锁错闪",
    "问间队险难韩页预领题额风馈马验骗骚黄",
);
/// Their traditional forms, character by character.
const TRADITIONAL: &str = concat!(
    "東丟兩個麼書買亂於產親從們衆優會體餘儲兌關決況凍準幾憑剛刪別辦務動勵醫單賣佔卻雙",
    "發號後嗎唄員諮響園國圖塊聲處復夠頭獎媽學寶實審寬對盡帶幫廣應開異當錄徵懷態戲戶託",
    "掃擾搶報掛換據搖數無舊時顯機權條來傑櫃標樹樣氣匯沒淚遊點煩狀貓現電盜碼種積稱筆簽",
    "類緊紅約級納線細經綁結給絡統續維繳網羣聯腦臉蟻螞見訂認讓記設證識詐訴詞試話詢語誤",
    "說請誰調謝負財責敗賬貨購貸費資贖賠趕車轉載輸邊過運還這進違連遲遞裏錢銀鋪鏈鎖錯閃",
    "問間隊險難韓頁預領題額風饋馬驗騙騷黃",
);

/// The table as (simplified, traditional) pairs sorted for binary search.
fn table() -> &'static [(char, char)] {
    static TABLE: OnceLock<Vec<(char, char)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut pairs: Vec<(char, char)> = SIMPLIFIED.chars().zip(TRADITIONAL.chars()).collect();
        pairs.sort_unstable();
        pairs
    })
}

/// `text` with every character the table knows in its traditional form.
pub fn to_traditional(text: &str) -> String {
    let table = table();
    text.chars()
        .map(|c| match table.binary_search_by_key(&c, |&(s, _)| s) {
            Ok(i) => table[i].1,
            Err(_) => c,
        })
        .collect()
}

/// `text` with ASCII in full-width forms (`#` → `＃`, `1` → `１`, space →
/// ideographic space); line breaks stay.
pub fn to_full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_aligned_and_one_to_one() {
        assert_eq!(SIMPLIFIED.chars().count(), TRADITIONAL.chars().count());
        let mut simplified: Vec<char> = SIMPLIFIED.chars().collect();
        simplified.sort_unstable();
        simplified.dedup();
        assert_eq!(simplified.len(), SIMPLIFIED.chars().count());
    }

    #[test]
    fn scripts_and_widths() {
        assert_eq!(to_traditional("花呗逾期，账户冻结"), "花唄逾期，賬戶凍結");
        assert_eq!(
            to_full_width("#双12# ¥200 @a"),
            "＃双１２＃\u{3000}¥２００\u{3000}＠ａ"
        );
    }
}
