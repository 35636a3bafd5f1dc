//! Search keys: contacts are found by a folded copy of their names and email — lower case, accents
//! and other marks removed, whitespace collapsed — computed here, so both databases match the same
//! text and give the same results.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Most words a search uses (each must appear in the contact's key).
pub const MAX_WORDS: usize = 8;

/// Letters that decomposition leaves alone but a reader treats as accented.
fn spell_out(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' => "l",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// `Zoë  Łukasiewicz-Ördög` → `zoe lukasiewicz-ordog`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() || c.is_control() {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        space = false;
        for lower in c.to_lowercase() {
            match spell_out(lower) {
                Some(s) => out.push_str(s),
                None => out.push(lower),
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// What a contact is found by: its sort name first (so a surname is a prefix), then the displayed
/// name and the email address.
pub fn contact_key(sort_name: &str, display_name: &str, email: Option<&str>) -> String {
    fold(&format!(
        "{sort_name} {display_name} {}",
        email.unwrap_or_default()
    ))
}

/// The folded words of a search, at most [`MAX_WORDS`].
pub fn words(query: &str) -> Vec<String> {
    fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_accents_and_extra_space() {
        for (name, input, expected) in [
            ("accents", "Zoë Ördög", "zoe ordog"),
            (
                "letters without decomposition",
                "Łukasiewicz Ørsted Straße",
                "lukasiewicz orsted strasse",
            ),
            (
                "ligatures and compatibility forms",
                "Æsop ﬁnch",
                "aesop finch",
            ),
            ("whitespace", "  Jean\t\tPaul \n", "jean paul"),
            ("punctuation stays", "O'Brien-Smith", "o'brien-smith"),
            (
                "non-latin scripts stay",
                "Олена Ковальчук",
                "олена ковальчук",
            ),
        ] {
            assert_eq!(fold(input), expected, "{name}");
        }
    }

    #[test]
    fn keys_and_words() {
        assert_eq!(
            contact_key("müller, jana", "Jana Müller", Some("Jana@Example.org")),
            "muller, jana jana muller jana@example.org"
        );
        assert_eq!(words(" Jana  MÜLLER "), ["jana", "muller"]);
        assert_eq!(words("a b c d e f g h i j").len(), MAX_WORDS);
    }
}
