//! A typed async client for the Kazoo Crossbar v2 REST API.
//!
//! It speaks Kazoo's envelope, turns every error status into a distinct [`ApiError`] with a
//! sentence a user can act on, renews an expired session once with the credentials it signed in
//! with, retries idempotent requests (and only those) with backoff, and refuses plain http to
//! anything but this computer.

mod accounts;
mod auth;
mod base_url;
mod billing;
mod charges;
mod client;
mod decode;
mod error;
mod paging;
mod provisioning;

pub use accounts::{AccountSummary, Page, User};
pub use auth::{AccountRef, Credentials, Session};
pub use base_url::BaseUrl;
pub use billing::{
    from_gregorian, to_gregorian, windows, CardOnFile, LedgerRow, PlanItem, ProcessorAccess,
    ServiceSummary, SourceTotal, TopupReceipt, TransactionRow,
};
pub use charges::{decimal, ChargeItem, Charges};
pub use client::{Client, ClientOptions, Fetched};
pub use error::{ApiError, ErrorMeta, FieldProblem, Payment, RetryAfter};
pub use provisioning::PlanOffer;
