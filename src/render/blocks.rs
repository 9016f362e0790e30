//! Generated blocks in a file the user owns (the fleet's README): fluxfleet keeps what lies
//! between `<!-- fluxfleet:begin NAME ... -->` and `<!-- fluxfleet:end NAME -->` current and
//! leaves every other line as the user wrote it.

const BEGIN: &str = "<!-- fluxfleet:begin ";
const END: &str = "<!-- fluxfleet:end ";

/// One block: its name, and the byte range of the lines between its markers.
struct Block<'a> {
    name: &'a str,
    inner: std::ops::Range<usize>,
}

/// The blocks of `text`, in order; a begin marker without its end marker is no block.
fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut found = Vec::new();
    let mut open: Option<(&str, usize)> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let next = at + line.len();
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(BEGIN) {
            let name = rest.split_whitespace().next().unwrap_or_default();
            open = Some((name, next));
        } else if let Some(rest) = trimmed.strip_prefix(END) {
            let name = rest.split_whitespace().next().unwrap_or_default();
            if let Some((begun, start)) = open.take() {
                if begun == name {
                    found.push(Block {
                        name,
                        inner: start..at,
                    });
                }
            }
        }
        at = next;
    }
    found
}

/// `current` with the inside of each of its blocks replaced by the same block of `wanted`;
/// `None` when `current` has none of `wanted`'s blocks (a file of the user's own, or one
/// written before the blocks were marked). Line endings follow `current`'s.
pub fn refresh(current: &str, wanted: &str) -> Option<String> {
    let fresh = blocks(wanted);
    let mut out = String::with_capacity(current.len());
    let mut copied = 0;
    let mut any = false;
    let crlf = current.contains("\r\n");
    for block in blocks(current) {
        let Some(new) = fresh.iter().find(|b| b.name == block.name) else {
            continue;
        };
        any = true;
        out.push_str(current.get(copied..block.inner.start)?);
        let inner = wanted.get(new.inner.clone())?;
        if crlf {
            out.push_str(&inner.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            out.push_str(inner);
        }
        copied = block.inner.end;
    }
    out.push_str(current.get(copied..)?);
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::refresh;

    const WANTED: &str = "# Fleet\n\n<!-- fluxfleet:begin clusters (kept current) -->\n3 clusters: dev, test, prod.\n<!-- fluxfleet:end clusters -->\n\nText.\n";

    #[test]
    fn only_the_block_changes() {
        let current = "# Our fleet\n\nIntro of ours.\n<!-- fluxfleet:begin clusters (kept current) -->\n2 clusters: dev, prod.\n<!-- fluxfleet:end clusters -->\n\nOur own text.\n";
        assert_eq!(
            refresh(current, WANTED).as_deref(),
            Some("# Our fleet\n\nIntro of ours.\n<!-- fluxfleet:begin clusters (kept current) -->\n3 clusters: dev, test, prod.\n<!-- fluxfleet:end clusters -->\n\nOur own text.\n")
        );
    }

    #[test]
    fn a_file_without_blocks_is_left_alone() {
        assert_eq!(refresh("# Ours\n", WANTED), None);
        let unclosed = "<!-- fluxfleet:begin clusters -->\nx\n";
        assert_eq!(refresh(unclosed, WANTED), None);
    }

    #[test]
    fn crlf_stays_crlf() {
        let current =
            "<!-- fluxfleet:begin clusters -->\r\nold\r\n<!-- fluxfleet:end clusters -->\r\n";
        assert_eq!(
            refresh(current, WANTED).as_deref(),
            Some("<!-- fluxfleet:begin clusters -->\r\n3 clusters: dev, test, prod.\r\n<!-- fluxfleet:end clusters -->\r\n")
        );
    }
}
