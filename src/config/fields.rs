//! Unknown keys, all of them: serde's `deny_unknown_fields` stops at the first
//! unknown key of a table and then hides every other mistake in it. Before
//! deserializing, we ask the raw struct for its field names (serde passes them
//! to `deserialize_struct`), report every unknown key and drop it; the
//! struct's own `deny_unknown_fields` stays as the safety net.

use std::fmt;

use serde::Deserialize;
use serde::de::Visitor;

/// The field names a `#[derive(Deserialize)]` struct accepts; `None` for other types.
pub fn fields_of<'de, T: Deserialize<'de>>() -> Option<&'static [&'static str]> {
    match T::deserialize(FieldProbe) {
        Err(Probed(fields)) => fields,
        Ok(_) => None,
    }
}

/// A message for an unknown key, with the closest known key when one is near.
pub fn unknown_key_message(key: &str, known: &[&str]) -> String {
    let list = super::source::quoted_list(known.iter().copied());
    let nearest = known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min();
    match nearest {
        Some((_, k)) => {
            format!("unknown key `{key}` (did you mean `{k}`?), expected one of {list}")
        }
        None if known.is_empty() => format!("unknown key `{key}`: this table takes no keys"),
        None => format!("unknown key `{key}`, expected one of {list}"),
    }
}

/// Levenshtein distance in characters; keys are short, so the quadratic table is fine.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The "error" the probe ends with: the field list, when it saw a struct.
#[derive(Debug)]
struct Probed(Option<&'static [&'static str]>);

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field probe")
    }
}

impl std::error::Error for Probed {}

impl serde::de::Error for Probed {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Probed(None)
    }
}

/// A deserializer that holds no data and only records what it was asked for.
struct FieldProbe;

impl<'de> serde::Deserializer<'de> for FieldProbe {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed(None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed(Some(fields)))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        queue: String,
        priority: Option<String>,
    }

    #[test]
    fn reads_the_field_names_serde_derived() {
        assert_eq!(fields_of::<Sample>(), Some(&["queue", "priority"][..]));
        assert_eq!(fields_of::<String>(), None);
    }

    #[test]
    fn suggests_the_nearest_key() {
        let known = ["queue", "priority", "category"];
        assert_eq!(
            unknown_key_message("queu", &known),
            "unknown key `queu` (did you mean `queue`?), expected one of `queue`, `priority`, `category`"
        );
        assert!(!unknown_key_message("colour", &known).contains("did you mean"));
        assert_eq!(edit_distance("退款", "退货"), 1);
    }
}
