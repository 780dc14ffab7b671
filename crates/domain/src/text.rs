//! Free text as the data file holds it: paragraphs separated by blank lines, lines starting "- " as
//! a list. Shared by the pages and the report outputs.

use serde::Serialize;

/// A paragraph or a bullet list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "content", rename_all = "lowercase")]
pub enum Block {
    Para(String),
    List(Vec<String>),
}

/// Text split into paragraphs at blank lines; lines inside a paragraph are joined.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Text as paragraphs and bullet lists; list items may wrap over several lines.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in text.split("\n\n") {
        let lines: Vec<&str> = chunk.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let Some(first) = lines.first() else { continue };
        if first.starts_with("- ") {
            let mut items: Vec<String> = Vec::new();
            for l in lines {
                match l.strip_prefix("- ") {
                    Some(item) => items.push(item.to_owned()),
                    None => {
                        if let Some(last) = items.last_mut() {
                            last.push(' ');
                            last.push_str(l);
                        }
                    }
                }
            }
            out.push(Block::List(items));
        } else {
            out.push(Block::Para(lines.join(" ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_lists() {
        let b = blocks("Ett stycke\nsom fortsätter.\n\n- ett\n- två\n  fortsätter\n\nSista.");
        assert_eq!(
            b,
            [
                Block::Para("Ett stycke som fortsätter.".to_owned()),
                Block::List(vec!["ett".to_owned(), "två fortsätter".to_owned()]),
                Block::Para("Sista.".to_owned()),
            ]
        );
        assert_eq!(paragraphs("a\nb\n\n\nc"), ["a b", "c"]);
    }
}

/// The first `n` words of a text, with "…" when there were more.
pub fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= n { words.join(" ") } else { format!("{} …", words[..n].join(" ")) }
}

#[cfg(test)]
mod first_words_tests {
    #[test]
    fn cuts_after_n_words() {
        assert_eq!(super::first_words("ett  två\ntre fyra", 3), "ett två tre …");
        assert_eq!(super::first_words("ett två", 3), "ett två");
    }
}
