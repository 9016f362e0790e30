//! How a scalar is written: when a value may stay plain and how to quote it.
//!
//! kustomize reads YAML 1.1 (through go-yaml), where `yes`, `on`, `n`, `~`, `1e3`, `0x1f`,
//! `1_000`, `12:30` and dates are not strings. A reference written plain must read back as the
//! same string under both YAML 1.1 and 1.2, so anything that could resolve otherwise, or that
//! holds YAML syntax, is quoted.

/// The quoting style of a scalar as written in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quote {
    Plain,
    Single,
    Double,
}

/// Characters that may not start a plain scalar.
const INDICATORS: &str = "-?:,[]{}#&*!|>'\"%@`";
/// Characters that end a plain scalar inside `[...]` or `{...}`.
const FLOW_INDICATORS: &str = ",[]{}";

/// Writes `value` in the `preferred` style, falling back to double quotes when the style
/// cannot carry the value (a plain value that would read differently, a line break in single
/// quotes).
pub(crate) fn write(value: &str, preferred: Quote, flow: bool) -> String {
    match preferred {
        Quote::Plain if plain_is_safe(value, flow) => value.to_string(),
        Quote::Single if !value.chars().any(needs_escape) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        _ => double_quoted(value),
    }
}

/// `value` as a block-context scalar a generated file can hold: plain when that reads back as
/// the same string under YAML 1.1 and 1.2, double-quoted otherwise. For user-provided values
/// (labels, env values, images, resource quantities) written into templates.
pub fn scalar(value: &str) -> String {
    write(value, Quote::Plain, false)
}

/// True when `value` written plain reads back as the same string in YAML 1.1 and 1.2.
pub(crate) fn plain_is_safe(value: &str, flow: bool) -> bool {
    plain_is_syntactic(value, flow) && !reads_as_non_string(value)
}

/// True when `value` can be written plain without YAML syntax changing it, whatever type it
/// then resolves to (a number stays a number).
pub(crate) fn plain_is_syntactic(value: &str, flow: bool) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if INDICATORS.contains(first) || first == ' ' || value.ends_with([' ', ':']) {
        return false;
    }
    if value.chars().any(|c| needs_escape(c) || c == '\t') {
        return false;
    }
    if flow && value.contains(|c| FLOW_INDICATORS.contains(c)) {
        return false;
    }
    // `: ` starts a mapping value and ` #` a comment; `:` before a flow indicator ends the
    // scalar inside a flow collection.
    let chars: Vec<char> = value.chars().collect();
    chars.windows(2).all(|pair| match pair {
        [':', next] => !(*next == ' ' || (flow && FLOW_INDICATORS.contains(*next))),
        [' ', '#'] => false,
        _ => true,
    }) && !value.starts_with("---")
        && !value.starts_with("...")
}

/// True when a plain scalar `value` resolves to something other than a string under YAML 1.1
/// or 1.2: null, a boolean, a number, a timestamp, or the `<<`/`=` keys.
pub(crate) fn reads_as_non_string(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        "=", "<<",
    ];
    if WORDS.contains(&value) {
        return true;
    }
    let unsigned = value.trim_start_matches(['+', '-']);
    if matches!(unsigned.to_ascii_lowercase().as_str(), ".inf" | ".nan") {
        return true;
    }
    // Numbers in every base, sexagesimal `1:30`, floats and timestamps all start with a digit
    // (or `.digit`) and use only these characters; a false positive only costs quotes.
    let mut chars = unsigned.chars();
    let starts_numeric = match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    starts_numeric
        && unsigned
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "_.:+-xXoObBtTzZ ".contains(c))
}

/// Characters that only a double-quoted scalar can hold: line breaks, controls, and the
/// characters YAML 1.1 treats as line breaks or strips.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) && u32::from(c) <= 0xff => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_1_1_reads_as_another_type() {
        for value in [
            "yes",
            "on",
            "off",
            "no",
            "y",
            "n",
            "true",
            "null",
            "~",
            "1e3",
            "0x1f",
            "1_000",
            "12:30",
            "2001-12-14",
            ".inf",
            "-.NaN",
            "<<",
            "=",
            "",
        ] {
            assert!(!plain_is_safe(value, false), "{value}");
        }
    }

    #[test]
    fn quotes_yaml_syntax() {
        for value in [
            "a: b", "a #b", "-x", "?x", ":x", "[x", "{x", "#x", "&x", "*x", "!x", "|x", ">x", "'x",
            "\"x", "%x", "@x", "`x", "x:", " x", "x ", "a\tb", "a\nb", "---x",
        ] {
            assert!(!plain_is_safe(value, false), "{value:?}");
        }
        assert!(!plain_is_safe("a,b", true));
        assert!(plain_is_safe("a,b", false));
    }

    #[test]
    fn keeps_ordinary_references_plain() {
        for value in [
            "../../../apps/foo/base",
            "./flux-system",
            "ns.yaml",
            "github.com/org/repo//deploy?ref=v1.2.0",
            "https://example.com/x.yaml",
            "1-app",
            "yesterday",
        ] {
            assert!(plain_is_safe(value, false), "{value}");
            assert_eq!(write(value, Quote::Plain, false), value);
        }
    }

    #[test]
    fn writes_each_style() {
        assert_eq!(write("it's", Quote::Single, false), "'it''s'");
        assert_eq!(write("yes", Quote::Plain, false), "\"yes\"");
        assert_eq!(write("a\"b\\c\n", Quote::Double, false), r#""a\"b\\c\n""#);
        assert_eq!(write("a\nb", Quote::Single, false), r#""a\nb""#);
        assert_eq!(
            write("\u{7f}\u{2028}", Quote::Double, false),
            r#""\x7f\u2028""#
        );
    }
}
