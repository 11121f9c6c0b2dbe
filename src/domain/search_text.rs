//! Text search over Japanese: what is indexed for a text, and what a query looks for.
//!
//! Japanese is written without spaces, so a word tokenizer finds one "word" per phrase,
//! and a trigram index (SQLite FTS5 `trigram`, PostgreSQL `pg_trgm`) cannot answer a
//! query of one or two characters, which is what people type: 港, 保守. So a text is
//! indexed as the overlapping pairs of characters of each of its words, plus the last
//! character of each word alone:
//!
//! 運用保守 → 運用 用保 保守 守
//!
//! A query word of two or more characters is then the phrase of its pairs (consecutive
//! positions), which holds exactly where the word is a substring of one of the text's
//! words; a query word of one character is a prefix of some token exactly where the
//! character occurs (followed by another, it starts a pair; last, it is the lone
//! character). The lone last character also keeps one word's pairs from running on into
//! the next word's. So the index answers substring queries of any length exactly, with no
//! recheck, and the databases' own full-text engines (FTS5, tsvector with GIN) store it.
//!
//! Both sides are NFKC-normalised and lower-cased, so ＡＢＣ finds abc and ｶﾞ finds ガ.
//! A word is a run of alphanumeric characters (letters of any script, digits);
//! everything else separates words, and a query with several words asks for all of them.

use unicode_normalization::UnicodeNormalization;

/// The tokens to index for some texts (an engagement's title, scope and vendor's name), in
/// order.
pub fn index_tokens<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut tokens = Vec::new();
    for text in texts {
        for word in words(text) {
            for pair in word.windows(2) {
                tokens.push(pair.iter().collect());
            }
            if let Some(last) = word.last() {
                tokens.push(last.to_string());
            }
        }
    }
    tokens
}

/// What one query word asks of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryWord {
    /// One character: any token that starts with it.
    Prefix(String),
    /// Two or more: these pairs at consecutive positions.
    Phrase(Vec<String>),
}

/// A search query as the index answers it: every word must occur. `None` when the
/// query has no word characters at all (punctuation only), which the index cannot
/// answer: the caller then matches the text as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    words: Vec<QueryWord>,
}

impl SearchQuery {
    pub fn parse(q: &str) -> Option<SearchQuery> {
        let words: Vec<QueryWord> = words(q)
            .map(|w| match w.as_slice() {
                [c] => QueryWord::Prefix(c.to_string()),
                _ => QueryWord::Phrase(w.windows(2).map(|p| p.iter().collect()).collect()),
            })
            .collect();
        (!words.is_empty()).then_some(SearchQuery { words })
    }

    pub fn words(&self) -> &[QueryWord] {
        &self.words
    }
}

fn words(text: &str) -> impl Iterator<Item = Vec<char>> {
    let normalised: String = text.nfkc().flat_map(char::to_lowercase).collect();
    normalised
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().collect::<Vec<char>>())
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(pairs: &[&str]) -> QueryWord {
        QueryWord::Phrase(pairs.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn a_text_is_indexed_as_pairs_and_each_words_last_character() {
        assert_eq!(
            index_tokens(["運用保守", "港区・芝"]),
            ["運用", "用保", "保守", "守", "港区", "区", "芝"]
        );
    }

    #[test]
    fn full_width_and_case_are_normalised_on_both_sides() {
        assert_eq!(index_tokens(["ＡＢｃ"]), ["ab", "bc", "c"]);
        assert_eq!(
            SearchQuery::parse("Abc").unwrap().words(),
            [phrase(&["ab", "bc"])]
        );
        // Half-width katakana with a voiced mark becomes one full-width character.
        assert_eq!(index_tokens(["ｶﾞｽ"]), ["ガス", "ス"]);
    }

    #[test]
    fn a_query_asks_for_every_word_one_character_as_a_prefix() {
        assert_eq!(
            SearchQuery::parse(" 保守　港 ").unwrap().words(),
            [phrase(&["保守"]), QueryWord::Prefix("港".into())]
        );
        assert_eq!(SearchQuery::parse("%_・ "), None);
    }

    // The index answers exactly "is the query word a substring of one of the text's
    // words": checked against plain substring search over every substring of a text.
    #[test]
    fn every_substring_of_a_word_is_found_and_nothing_across_words() {
        let text = "運用保守業務 保険";
        let tokens = index_tokens([text]);
        let found = |q: &str| -> bool {
            SearchQuery::parse(q)
                .unwrap()
                .words()
                .iter()
                .all(|w| match w {
                    QueryWord::Prefix(c) => tokens.iter().any(|t| t.starts_with(c.as_str())),
                    QueryWord::Phrase(pairs) => tokens
                        .windows(pairs.len())
                        .any(|run| run.iter().zip(pairs).all(|(t, p)| t == p)),
                })
        };
        let chars: Vec<char> = "運用保守業務保険".chars().collect();
        for i in 0..chars.len() {
            for j in i + 1..=chars.len() {
                let q: String = chars[i..j].iter().collect();
                let expected = text.split(' ').any(|w| w.contains(q.as_str()));
                assert_eq!(found(&q), expected, "{q}");
            }
        }
    }
}
