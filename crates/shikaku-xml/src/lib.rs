//! shikaku-xml — the receipt-computer file interface of `xml-interface.md`: request file
//! names and kinds, request parsing that names every problem by its element path, and result
//! writing (UTF-8 or Shift_JIS). Bytes in, bytes out: the terminal agent does the IO.

pub mod dom;
pub mod request;
pub mod result;

pub use request::{Kind, Problem, Request, RequestError, RequestName, SearchInfo, parse_request};

#[cfg(test)]
mod tests;
