//! Account Desk's domain core: one type per account setting, the rules a user's input must
//! meet, the mapping to and from Kazoo documents, and the phone-number formatting service.
//!
//! No I/O, no async, no Tauri. Every type here can only hold a valid value; values read from a
//! backend that break our input rules are kept as [`Stored::Flagged`] so that loading an account
//! never fails because of them.

mod account_doc;
pub mod alerts;
pub mod billing;
pub mod card;
mod contact;
mod country;
mod error;
mod field;
mod id;
mod json_path;
mod limits_doc;
pub mod merge;
pub mod money;
mod name;
mod numbers_format;
pub mod phone;
mod privacy;
pub mod proration;
mod realm;
mod secret;
mod stored;
pub mod timezone;
mod trunks;
pub mod user;
mod zone_countries;

pub use account_doc::{AccountDoc, DocError};
pub use contact::{Contact, ContactName, EmailAddress, PhoneNumber};
pub use country::CountryCode;
pub use error::FieldError;
pub use field::{field_label, Field};
pub use id::AccountId;
pub use limits_doc::LimitsDoc;
pub use merge::FieldChange;
pub use name::AccountName;
pub use numbers_format::NumbersFormat;
pub use phone::{FormattedPhone, PhoneFormatter};
pub use privacy::CallerIdPrivacy;
pub use realm::Realm;
pub use secret::Secret;
pub use stored::Stored;
pub use timezone::{Timezone, ZoneClock};
pub use trunks::{Capacity, TrunkLimits, TrunksForm};
pub use user::UserName;
