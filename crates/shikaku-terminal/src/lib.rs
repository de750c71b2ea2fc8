//! shikaku-terminal — what runs on a facility's 資格確認端末: the mTLS client of the
//! eligibility API, the card-reader emulator (CLI and local web page) and, later, the
//! receipt-computer file agent. Talks to the centre only over HTTP(S); never opens the store.

pub mod agent;
pub mod client;
pub mod reader;
pub mod reader_web;
