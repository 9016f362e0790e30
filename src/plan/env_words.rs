//! Rewriting what names an environment in a copied file: `staging` in
//! `podinfo.staging.example.com`, `../staging/shared` or `namespace: podinfo-staging` becomes
//! `production` when a promotion copies staging's file for production.
//!
//! Only whole words are rewritten: the name bounded by anything that is not a letter or a digit
//! (`-`, `.`, `/`, `_`, a quote, the line's ends), so `prod` is rewritten in `podinfo-prod` but
//! not in `prod2` or `production`. Lines whose key names a build rather than a place (`image`,
//! `newName`, `newTag`, `tag`, `digest`) are left as they are: the image is what a promotion
//! carries. Letter case counts: `STAGING` is left.

/// One environment's name swapped for another's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Swap {
    pub from: String,
    pub to: String,
}

/// Keys whose values name a build, never rewritten.
const BUILD_KEYS: &[&str] = &["image", "newName", "newTag", "tag", "digest"];

/// A text after [`rewrite`], with the 1-based lines it changed and the lines that name an
/// environment but were left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rewritten {
    pub text: String,
    pub changed: Vec<usize>,
    pub left: Vec<usize>,
}

/// Rewrites every whole-word `from` of `swaps` in `text` to its `to`, line by line, except on
/// lines that name a build and lines `keep` says to keep (1-based).
pub(crate) fn rewrite(text: &str, swaps: &[Swap], keep: impl Fn(usize) -> bool) -> Rewritten {
    let mut out = Rewritten {
        text: String::with_capacity(text.len()),
        changed: Vec::new(),
        left: Vec::new(),
    };
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let number = i + 1;
        let swapped = swap_words(line, swaps);
        if swapped == line {
            out.text.push_str(line);
        } else if keep(number) || names_a_build(line) {
            out.left.push(number);
            out.text.push_str(line);
        } else {
            out.changed.push(number);
            out.text.push_str(&swapped);
        }
    }
    out
}

/// True when `text` holds a `from` of `swaps` as a whole word.
pub(crate) fn names_any(text: &str, swaps: &[Swap]) -> bool {
    swap_words(text, swaps) != text
}

/// `text` with each whole-word `from` replaced by its `to`; the longest name first where two
/// start at the same place.
pub(crate) fn swap_words(text: &str, swaps: &[Swap]) -> String {
    let mut ordered: Vec<&Swap> = swaps.iter().filter(|s| !s.from.is_empty()).collect();
    ordered.sort_by_key(|s| std::cmp::Reverse(s.from.len()));
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut copied = 0;
    while at < text.len() {
        let starts_word = at == 0 || !is_word_byte(bytes[at - 1]);
        let found = starts_word
            .then(|| {
                ordered.iter().find(|s| {
                    let end = at + s.from.len();
                    text.get(at..end) == Some(s.from.as_str())
                        && bytes.get(end).is_none_or(|b| !is_word_byte(*b))
                })
            })
            .flatten();
        match found {
            Some(swap) => {
                out.push_str(&text[copied..at]);
                out.push_str(&swap.to);
                at += swap.from.len();
                copied = at;
            }
            None => at += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || !b.is_ascii()
}

/// True when the line's key (after an optional list dash) names a build.
fn names_a_build(line: &str) -> bool {
    let body = line.trim_start();
    let body = body.strip_prefix("- ").unwrap_or(body).trim_start();
    let Some((key, _)) = body.split_once(':') else {
        return false;
    };
    let key = key.trim().trim_matches(['"', '\'']);
    BUILD_KEYS.contains(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swap(from: &str, to: &str) -> Vec<Swap> {
        vec![Swap {
            from: from.into(),
            to: to.into(),
        }]
    }

    #[test]
    fn whole_words_are_rewritten_and_parts_of_words_are_not() {
        let text = "namespace: podinfo-staging\nhost: podinfo.staging.example.com\n\
                    path: ../staging/shared\nname: stagingdb\nother: prestaging\n";
        let out = rewrite(text, &swap("staging", "production"), |_| false);
        assert_eq!(
            out.text,
            "namespace: podinfo-production\nhost: podinfo.production.example.com\n\
             path: ../production/shared\nname: stagingdb\nother: prestaging\n"
        );
        assert_eq!(out.changed, vec![1, 2, 3]);
        assert!(out.left.is_empty());
    }

    #[test]
    fn a_longer_name_is_not_taken_for_a_shorter_one() {
        let out = rewrite("a: prod2 prod prod-eu\n", &swap("prod", "live"), |_| false);
        assert_eq!(out.text, "a: prod2 live live-eu\n");
    }

    #[test]
    fn images_and_kept_lines_are_left_and_reported() {
        let text = "images:\n  - name: podinfo\n    newTag: 6.5.0-staging\n\
                    image: ghcr.io/acme/staging/app:1\nCLUSTER: staging\n";
        let out = rewrite(text, &swap("staging", "production"), |line| line == 5);
        assert_eq!(out.text, text);
        assert_eq!(out.left, vec![3, 4, 5]);
        assert!(out.changed.is_empty());
    }

    #[test]
    fn line_endings_and_a_missing_final_newline_are_kept() {
        let out = rewrite("a: dev\r\nb: dev", &swap("dev", "test"), |_| false);
        assert_eq!(out.text, "a: test\r\nb: test");
    }

    #[test]
    fn case_counts() {
        assert!(!names_any("STAGING_URL: x", &swap("staging", "production")));
        assert!(names_any(
            "url: https://staging.example.com",
            &swap("staging", "x")
        ));
    }
}
