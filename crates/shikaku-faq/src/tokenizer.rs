//! The tantivy tokenizer: [`crate::normalize::normalize`] then character bigrams.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::normalize::{bigrams, normalize};

#[derive(Clone, Default)]
pub struct BigramTokenizer;

pub struct BigramStream {
    tokens: std::vec::IntoIter<String>,
    token: Token,
    position: usize,
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramStream {
        BigramStream {
            tokens: bigrams(&normalize(text)).into_iter(),
            token: Token::default(),
            position: 0,
        }
    }
}

impl TokenStream for BigramStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(text) => {
                // Offsets refer to the normalized text, which is never shown; positions count
                // bigrams (phrase queries are not used).
                self.token = Token {
                    offset_from: 0,
                    offset_to: 0,
                    position: self.position,
                    text,
                    position_length: 1,
                };
                self.position += 1;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}
