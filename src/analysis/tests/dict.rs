//! Loading `rules/dict/`: user words, stop words, aliases and their errors.

use std::path::Path;

use super::dict_dir;
use crate::analysis::dict::{DictFiles, parse_dictionary};
use crate::analysis::{AnalysisError, Analyzer, Segmenter};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write test file");
}

#[test]
fn shipped_directory_loads_with_the_required_words() {
    let files = DictFiles::read(&dict_dir()).expect("rules/dict loads");
    for word in [
        "花呗",
        "借呗",
        "余额宝",
        "余额宝收益",
        "双十二",
        "双11",
        "芝麻信用",
        "芝麻分",
        "蚂蚁森林",
        "风控",
        "误转",
        "转错账",
        "冻结",
        "解冻",
        "跨境",
        "盗刷",
        "退款",
        "红包雨",
        "抢红包",
        "集五福",
        "网商银行",
        "相互宝",
        "备用金",
        "商家",
        "客服",
    ] {
        assert!(files.words.iter().any(|w| w.word == word), "{word} missing");
    }
    for stop in [
        "我", "的", "了", "是", "在", "也", "都", "就", "还", "啊", "吧", "呢", "吗", "请问",
        "您好", "谢谢",
    ] {
        assert!(files.stop_words.iter().any(|w| w == stop), "{stop} missing");
    }
    assert!(!files.aliases.is_empty());
}

#[test]
fn a_bad_dictionary_line_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.txt", "# comment\n花呗 n\n\n借呗 12x n\n");
    let err = Segmenter::load(dir.path()).expect_err("bad frequency");
    let shown = err.to_string();
    assert!(
        matches!(err, AnalysisError::BadLine { line: 4, .. }),
        "{shown}"
    );
    assert!(shown.contains("a.txt:4:"), "{shown}");

    write(dir.path(), "a.txt", "花呗 1 n extra\n");
    let shown = Segmenter::load(dir.path())
        .expect_err("four fields")
        .to_string();
    assert!(
        shown.contains("a.txt:1: expected `word [freq] [tag]`"),
        "{shown}"
    );

    write(dir.path(), "a.txt", "花呗 1 n-1\n");
    assert!(Segmenter::load(dir.path()).is_err());
}

#[test]
fn a_bad_alias_line_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "aliases.tsv", "zfb\t支付宝\nonly-one-field\n");
    let shown = Analyzer::load(dir.path())
        .expect_err("one field")
        .to_string();
    assert!(shown.contains("aliases.tsv:2:"), "{shown}");
}

#[test]
fn words_are_normalized_when_loaded() {
    let words =
        parse_dictionary(Path::new("x.txt"), "花唄分期付 5 n\nＡＢＣ支付\n").expect("parses");
    assert_eq!(words[0].word, "花呗分期付");
    assert_eq!(words[0].freq, Some(5));
    assert_eq!(words[0].tag.as_deref(), Some("n"));
    assert_eq!(words[1].word, "abc支付");
    assert_eq!(words[1].freq, None);
}

#[test]
fn user_aliases_extend_the_builtin_ones_and_a_missing_directory_gives_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "aliases.tsv", "# mine\n花被\t花呗\n");
    let a = Analyzer::load(dir.path()).expect("loads");
    assert_eq!(a.analyze("我的花被和zfb").normalized, "我的花呗和支付宝");
    let none = Analyzer::load(&dir.path().join("missing")).expect("defaults");
    assert_eq!(none.analyze("zfb").normalized, "支付宝");
}
