//! Parts the test binaries (and benchmarks) share, so each rule of the tests lives once:
//! [`Proxy`], a real HTTP hop between the app and the sandbox that counts what crosses it and
//! can hold or lose a request; [`secret_forms`], every form in which a secret could be written
//! down.

mod proxy;
mod secrets;

pub use proxy::{Hold, Proxy, Request};
pub use secrets::{files_under, find_secrets, secret_forms, Found};
