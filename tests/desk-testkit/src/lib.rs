//! Parts the test binaries (and benchmarks) share, so each rule of the tests lives once:
//! [`Proxy`], a real HTTP hop between the app and the sandbox that counts what crosses it and
//! can hold or lose a request, or inject faults at random; [`TlsFront`], https in front of it
//! under a certificate authority of the test's own; [`secret_forms`], every form in which a secret could be written
//! down.

mod faults;
mod proxy;
mod secrets;
mod tls;

pub use faults::{Faults, Injected};
pub use proxy::{Hold, Proxy, Request};
pub use secrets::{files_under, find_secrets, secret_forms, Found};
pub use tls::TlsFront;
