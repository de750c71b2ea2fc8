//! Tests at the boundaries users touch: the `shikaku` command and the mTLS API.

mod agent;
mod api;
mod bench;
mod browser;
mod card;
mod cli;
mod cluster;
mod conformance;
mod csrf;
mod fhir;
mod file_modes;
mod http2;
mod identity;
mod inquiry;
mod linkage;
mod password_reset;
mod planning;
mod portal;
mod portal_app;
mod retention;
mod support;
