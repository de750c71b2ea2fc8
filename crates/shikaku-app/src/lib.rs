//! shikaku-app — use cases over the domain and the store: qualification import, the
//! eligibility lookup with its access log, keyed hashing of personal identifiers, and the
//! synthetic population generator. API, CLI and (later) portal call this crate, never the
//! store directly for business operations.

pub mod access_log;
pub mod batches;
pub mod card_verify;
pub mod cards;
pub mod clock;
pub mod export;
pub mod facilities;
pub mod faq;
pub mod help;
pub mod idempotency;
pub mod identity;
pub mod import;
pub mod insurers;
pub mod letter_pdf;
pub mod linkage;
pub mod login_throttle;
pub mod lookup;
pub mod lookup_limit;
pub mod mail;
pub mod medical_info;
pub mod password_reset;
pub mod population;
pub mod portal;
pub mod records_import;
pub mod retention;
pub mod secrets;
pub mod subsidy;
pub mod subsidy_pdf;
pub mod support;
pub mod terminal_certs;
pub mod view;

pub use access_log::AccessLogger;
pub use lookup::{Caller, EligibilityService, LookupError, LookupRequest};
pub use secrets::PersonKey;
pub use shikaku_store::{RecordKind, StoreError};
