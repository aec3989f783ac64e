//! The Kazoo limits document (`GET/POST /v2/accounts/{id}/limits`).

use crate::account_doc::{kind_of, object, strip};
use crate::{DocError, Field, Stored, TrunkLimits};
use serde_json::{Map, Value};

/// Fields GET adds that POST removes from input.
const READ_ONLY: &[&str] = &["id", "allow_postpay", "max_postpay_amount"];

#[derive(Debug, Clone, PartialEq)]
pub struct LimitsDoc {
    map: Map<String, Value>,
}

impl LimitsDoc {
    pub fn from_value(v: Value) -> Result<Self, DocError> {
        object(v).map(|map| Self { map })
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.map.clone())
    }

    /// One trunk count as stored: a missing key means none; anything but a whole number ≥ 0 is
    /// flagged.
    pub fn count(&self, field: &str) -> Stored<u32> {
        match self.map.get(field) {
            None | Some(Value::Null) => Stored::Missing,
            Some(v @ Value::Number(n)) => match n.as_u64().map(u32::try_from) {
                Some(Ok(c)) => Stored::Valid(c),
                _ => Stored::flag(v, "is not a whole number of 0 or more"),
            },
            Some(other) => Stored::flag(
                other,
                format!("is stored as {}, not a number", kind_of(other)),
            ),
        }
    }

    /// The counts, reading missing or flagged values as 0 (what the platform enforces for them).
    pub fn trunks(&self) -> TrunkLimits {
        let n = |f: Field| self.count(f.path).valid().copied().unwrap_or(0);
        TrunkLimits {
            inbound: n(Field::INBOUND_TRUNKS),
            outbound: n(Field::OUTBOUND_TRUNKS),
            twoway: n(Field::TWOWAY_TRUNKS),
        }
    }

    pub fn set_trunks(&mut self, t: &TrunkLimits) {
        for (path, n) in t.by_field() {
            self.map.insert(path.into(), n.into());
        }
    }

    /// The POST body: the whole document minus what the server computes. Limits have no PATCH,
    /// so unknown keys must travel back unchanged.
    pub fn outgoing(&self) -> Value {
        Value::Object(strip(&self.map, READ_ONLY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_counts_and_flags_nonsense() {
        let d = LimitsDoc::from_value(
            json!({"inbound_trunks": 3, "outbound_trunks": -1, "twoway_trunks": "2"}),
        )
        .unwrap();
        assert_eq!(d.count("inbound_trunks"), Stored::Valid(3));
        assert!(d.count("outbound_trunks").problem().is_some());
        assert!(d.count("twoway_trunks").problem().unwrap().contains("text"));
        assert_eq!(d.count("burst_trunks"), Stored::Missing);
        assert_eq!(
            d.trunks(),
            TrunkLimits {
                inbound: 3,
                outbound: 0,
                twoway: 0
            }
        );
    }

    #[test]
    fn outgoing_keeps_unknown_keys_and_drops_computed_ones() {
        let mut d = LimitsDoc::from_value(json!({"id": "limits", "allow_prepay": true, "burst_trunks": 2, "allow_postpay": false, "max_postpay_amount": 0})).unwrap();
        d.set_trunks(&TrunkLimits {
            inbound: 1,
            outbound: 2,
            twoway: 3,
        });
        assert_eq!(
            d.outgoing(),
            json!({"allow_prepay": true, "burst_trunks": 2, "inbound_trunks": 1, "outbound_trunks": 2, "twoway_trunks": 3})
        );
    }
}
