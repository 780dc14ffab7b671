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

/// A piece of a text: words, or a web address (`https://` or `http://` only) that every format shows
/// as a link with the address itself as its text, so that it works printed too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// A text cut into its words and its web addresses. An address runs to the next space; a
/// punctuation mark that ends the sentence after it (`.`, `,`, `;`, `:`, `!`, `?`, `)`) is not
/// part of it. Only `https://` and `http://`: nothing else becomes a link.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let at = [rest.find("https://"), rest.find("http://")].into_iter().flatten().min();
        let Some(at) = at else { break };
        let end = rest[at..].find(char::is_whitespace).map_or(rest.len(), |e| at + e);
        let address = rest[at..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
        let scheme = if address.starts_with("https://") { "https://".len() } else { "http://".len() };
        if address.len() <= scheme {
            // A scheme alone is no address.
            let skip = at + scheme;
            out.push(Piece::Text(&rest[..skip]));
            rest = &rest[skip..];
            continue;
        }
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        out.push(Piece::Link(address));
        rest = &rest[at + address.len()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A text as HTML: escaped, with its web addresses as links (`<a href>` showing the address).
pub fn linked_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for p in pieces(text) {
        match p {
            Piece::Text(t) => escape_into(&mut out, t),
            Piece::Link(url) => {
                out.push_str("<a href=\"");
                escape_into(&mut out, url);
                out.push_str("\">");
                escape_into(&mut out, url);
                out.push_str("</a>");
            }
        }
    }
    out
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn web_addresses_become_links_and_nothing_else_does() {
        let t = "Se https://cancercentrum.se/norr/plan.pdf. Och (http://a.se/x), men inte ftp://b.se eller javascript:alert(1).";
        assert_eq!(
            pieces(t),
            [
                Piece::Text("Se "),
                Piece::Link("https://cancercentrum.se/norr/plan.pdf"),
                Piece::Text(". Och ("),
                Piece::Link("http://a.se/x"),
                Piece::Text("), men inte ftp://b.se eller javascript:alert(1)."),
            ]
        );
        assert_eq!(pieces("https:// och https://"), [Piece::Text("https://"), Piece::Text(" och https://")]);
        assert_eq!(
            linked_html("<b> https://x.se/?a=1&b=\"2\""),
            "&lt;b&gt; <a href=\"https://x.se/?a=1&amp;b=&#34;2&#34;\">https://x.se/?a=1&amp;b=&#34;2&#34;</a>"
        );
        assert_eq!(linked_html("inga länkar"), "inga länkar");
    }
}
