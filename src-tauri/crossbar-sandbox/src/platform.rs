//! Which Kazoo the sandbox plays: the release (4.3, or 4.2 without the newer money routes) and
//! whether the platform has a payment bookkeeper (Braintree) or none.

use crate::envelope::{self, Ctx};
use axum::http::StatusCode;
use axum::response::Response;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kazoo {
    /// 4.2: no `/ledgers/total`, `/services/topup` or `/services/summary`; the balance is
    /// `/transactions/current_balance`.
    V42,
    #[default]
    V43,
}

impl Kazoo {
    /// The envelope's `version` (`kz_util:kazoo_version/0`: the `kazoo` app's `vsn`).
    pub fn version(self) -> &'static str {
        match self {
            Kazoo::V42 => "4.2.57",
            Kazoo::V43 => "4.3.142",
        }
    }
}

impl FromStr for Kazoo {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "4.2" => Ok(Kazoo::V42),
            "4.3" => Ok(Kazoo::V43),
            other => Err(format!("--kazoo: “{other}” is not 4.2 or 4.3")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bookkeeper {
    /// Cards are charged through Braintree.
    #[default]
    Braintree,
    /// No payment bookkeeper: `kz_services_topup:topup/4` gets `invalid_bookkeeper`, books the
    /// credit and charges nothing.
    None,
}

impl FromStr for Bookkeeper {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "braintree" => Ok(Bookkeeper::Braintree),
            "none" => Ok(Bookkeeper::None),
            other => Err(format!("--bookkeeper: “{other}” is not braintree or none")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Platform {
    pub kazoo: Kazoo,
    pub bookkeeper: Bookkeeper,
}

impl Platform {
    /// Routes 4.3 added (`/ledgers/total`, `/services/topup`, `/services/summary`): on 4.2, no
    /// module takes the path and Crossbar answers `faulty_request`.
    pub fn since_43(&self) -> Result<(), Response> {
        if self.kazoo == Kazoo::V42 {
            return Err(envelope::error(
                &Ctx::new(""),
                StatusCode::NOT_FOUND,
                "faulty_request",
                serde_json::json!({"message": "faulty request"}),
            ));
        }
        Ok(())
    }
}
