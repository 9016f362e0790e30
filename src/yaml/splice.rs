//! Text edits as byte-range replacements, applied together.

use std::ops::Range;

/// Replace `range` of the text by `text`; an empty range inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub(crate) range: Range<usize>,
    pub(crate) text: String,
}

impl Splice {
    pub(crate) fn insert(at: usize, text: impl Into<String>) -> Self {
        Splice {
            range: at..at,
            text: text.into(),
        }
    }

    pub(crate) fn delete(range: Range<usize>) -> Self {
        Splice {
            range,
            text: String::new(),
        }
    }

    pub(crate) fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Splice {
            range,
            text: text.into(),
        }
    }
}

/// Applies non-overlapping splices (in any order). `None` when two overlap or one falls
/// outside the text or inside a character, so that a wrong edit is never half made.
pub(crate) fn apply(text: &str, splices: &[Splice]) -> Option<String> {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.range.start, s.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for splice in sorted {
        if splice.range.start < at || splice.range.end < splice.range.start {
            return None;
        }
        out.push_str(text.get(at..splice.range.start)?);
        out.push_str(&splice.text);
        at = splice.range.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_any_order_and_refuses_overlaps() {
        let splices = [
            Splice::insert(3, "X"),
            Splice::delete(0..1),
            Splice::replace(4..5, "yy"),
        ];
        assert_eq!(apply("abcde", &splices).as_deref(), Some("bcXdyy"));
        assert_eq!(
            apply("abc", &[Splice::delete(0..2), Splice::delete(1..3)]),
            None
        );
        assert_eq!(apply("é", &[Splice::insert(1, "x")]), None);
        assert_eq!(apply("abc", &[Splice::insert(9, "x")]), None);
    }
}
