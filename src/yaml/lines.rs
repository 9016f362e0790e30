//! The line table of a text: where each line starts and how it ends.
//!
//! yaml-rust2's markers give a 1-based line and a 0-based column counted in characters; its
//! `index()` counts characters too and drifts after block scalars, so byte offsets are computed
//! here from line and column instead. A line break is `\r\n`, `\n` or a lone `\r`, as the YAML
//! scanner counts them, so that line numbers agree with its markers.

/// Line starts of one text, borrowed for the length of an edit.
#[derive(Debug, Clone)]
pub(crate) struct Lines<'a> {
    text: &'a str,
    /// Byte offset where each line starts; the first is 0.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    /// Builds the table of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes.get(i) {
                Some(b'\n') => starts.push(i + 1),
                Some(b'\r') if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines { text, starts }
    }

    /// The text this table describes.
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// Byte offset where 1-based `line` starts (the text's end past the last line).
    pub(crate) fn start(&self, line: usize) -> usize {
        line.checked_sub(1)
            .and_then(|i| self.starts.get(i))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Byte offset just past `line`, its line break included.
    pub(crate) fn end(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// Byte offset where `line`'s content ends, before its line break.
    pub(crate) fn content_end(&self, line: usize) -> usize {
        let start = self.start(line);
        let end = self.end(line);
        let slice = self.text.get(start..end).unwrap_or("");
        end - (slice.len() - slice.trim_end_matches(['\r', '\n']).len())
    }

    /// The content of `line` without its line break.
    pub(crate) fn content(&self, line: usize) -> &'a str {
        self.text
            .get(self.start(line)..self.content_end(line))
            .unwrap_or("")
    }

    /// The line break that ends `line`: `"\r\n"`, `"\n"`, `"\r"`, or `""` for a last line
    /// without one.
    pub(crate) fn ending(&self, line: usize) -> &'a str {
        self.text
            .get(self.content_end(line)..self.end(line))
            .unwrap_or("")
    }

    /// The 1-based line holding byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }

    /// The 1-based column, in characters, of byte `offset`.
    pub(crate) fn col_of(&self, offset: usize) -> usize {
        let start = self.start(self.line_of(offset));
        self.text
            .get(start..offset)
            .map_or(1, |before| before.chars().count() + 1)
    }

    /// Byte offset of a yaml-rust2 marker: 1-based `line`, 0-based `col` in characters.
    /// Clamped to the line's content, so it never points inside a character.
    pub(crate) fn offset(&self, line: usize, col: usize) -> usize {
        let start = self.start(line);
        let content = self.content(line);
        content
            .char_indices()
            .nth(col)
            .map_or(start + content.len(), |(i, _)| start + i)
    }
}

/// The line break the text uses most often, `"\n"` when it has none.
pub(crate) fn usual_ending(text: &str) -> &'static str {
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count() - crlf;
    if crlf > lf {
        "\r\n"
    } else {
        "\n"
    }
}

/// Whether a line holds nothing but spaces, tabs and an optional comment.
pub(crate) fn is_blank_or_comment(line: &str) -> bool {
    let rest = line.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_kind_of_line_break() {
        let lines = Lines::new("a\r\nb\nc\rd");
        assert_eq!(lines.content(1), "a");
        assert_eq!(lines.ending(1), "\r\n");
        assert_eq!(lines.ending(3), "\r");
        assert_eq!(lines.ending(4), "");
        assert_eq!(lines.line_of(3), 2);
        assert_eq!(lines.start(5), 8);
    }

    #[test]
    fn converts_character_columns_to_bytes() {
        let lines = Lines::new("x: é\n- ü: y\n");
        assert_eq!(lines.offset(2, 2), 8);
        assert_eq!(lines.offset(2, 3), 10);
        assert_eq!(lines.offset(2, 99), 13);
        assert_eq!(lines.col_of(10), 4);
    }

    #[test]
    fn picks_the_usual_line_ending() {
        assert_eq!(usual_ending("a\r\nb\r\nc\n"), "\r\n");
        assert_eq!(usual_ending("a"), "\n");
    }
}
