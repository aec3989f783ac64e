use crate::{Field, FieldError};
use serde::{Deserialize, Serialize};

/// Trunk counts as typed on the Trunks form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TrunksForm {
    pub inbound: String,
    pub outbound: String,
    pub twoway: String,
}

impl TrunksForm {
    /// The counts, or every one that is not valid (each error names its field). The one parser
    /// of the form: saving, the capacity line and the charge preview all read it through here.
    pub fn parse(&self) -> Result<TrunkLimits, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut count = |field, text: &str| {
            TrunkLimits::parse_count(field, text).unwrap_or_else(|e| {
                errors.push(e);
                0
            })
        };
        let [inbound, outbound, twoway] = Field::TRUNKS.map(|f| f.path);
        let limits = TrunkLimits {
            inbound: count(inbound, &self.inbound),
            outbound: count(outbound, &self.outbound),
            twoway: count(twoway, &self.twoway),
        };
        if errors.is_empty() {
            Ok(limits)
        } else {
            Err(errors)
        }
    }
}

/// Flat-rate trunk counts (`/limits`). A trunk carries one call at a time; two-way trunks serve
/// either direction on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TrunkLimits {
    pub inbound: u32,
    pub outbound: u32,
    pub twoway: u32,
}

/// How many calls the trunks allow at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capacity {
    pub max_inbound: u64,
    pub max_outbound: u64,
    pub total: u64,
}

/// The largest count accepted from a user: far above any real account, small enough that
/// capacity sums never overflow.
pub const MAX_TRUNKS: u32 = 1_000_000;

impl TrunkLimits {
    /// Parse one count as typed: a whole number from 0 to [`MAX_TRUNKS`].
    pub fn parse_count(field: &'static str, input: &str) -> Result<u32, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "enter a number (0 for none)"));
        }
        if s.starts_with('-') {
            return Err(FieldError::new(field, "must be 0 or more"));
        }
        if s.contains(['.', ',', 'e', 'E']) {
            return Err(FieldError::new(field, "must be a whole number"));
        }
        match s.parse::<u64>() {
            Ok(n) if n <= u64::from(MAX_TRUNKS) => Ok(n as u32),
            Ok(_) => Err(FieldError::new(
                field,
                format!("must be at most {MAX_TRUNKS}"),
            )),
            Err(_) if s.bytes().all(|b| b.is_ascii_digit()) => Err(FieldError::new(
                field,
                format!("must be at most {MAX_TRUNKS}"),
            )),
            Err(_) => Err(FieldError::new(
                field,
                "must be a whole number, digits only",
            )),
        }
    }

    /// The counts by Kazoo key, in [`Field::TRUNKS`] order.
    pub fn by_field(&self) -> [(&'static str, u32); 3] {
        let [i, o, t] = Field::TRUNKS.map(|f| f.path);
        [(i, self.inbound), (o, self.outbound), (t, self.twoway)]
    }

    pub fn capacity(&self) -> Capacity {
        let (i, o, t) = (
            u64::from(self.inbound),
            u64::from(self.outbound),
            u64::from(self.twoway),
        );
        Capacity {
            max_inbound: i + t,
            max_outbound: o + t,
            total: i + o + t,
        }
    }
}

impl Capacity {
    /// One sentence a user reads under the inputs.
    pub fn sentence(&self) -> String {
        if self.total == 0 {
            return "No flat-rate trunks: concurrent calls are not covered by trunks.".to_owned();
        }
        let calls = |n: u64| if n == 1 { "call" } else { "calls" };
        format!(
            "Up to {} inbound or {} outbound {} at once, {} in total.",
            self.max_inbound,
            self.max_outbound,
            calls(self.max_outbound),
            self.total
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(inbound: &str, outbound: &str, twoway: &str) -> TrunksForm {
        TrunksForm {
            inbound: inbound.into(),
            outbound: outbound.into(),
            twoway: twoway.into(),
        }
    }

    #[test]
    fn capacity_adds_two_way_to_each_direction() {
        let t = form("4", "2", "3").parse().unwrap();
        let c = t.capacity();
        assert_eq!((c.max_inbound, c.max_outbound, c.total), (7, 5, 9));
        assert_eq!(
            c.sentence(),
            "Up to 7 inbound or 5 outbound calls at once, 9 in total."
        );
        assert!(TrunkLimits::default()
            .capacity()
            .sentence()
            .starts_with("No flat-rate"));
    }

    #[test]
    fn counts_are_whole_and_not_negative() {
        let f = "inbound_trunks";
        assert_eq!(TrunkLimits::parse_count(f, " 12 ").unwrap(), 12);
        for (bad, needle) in [
            ("-1", "0 or more"),
            ("2.5", "whole"),
            ("", "enter"),
            ("ten", "whole"),
            ("99999999999999999999", "at most"),
        ] {
            let e = TrunkLimits::parse_count(f, bad).unwrap_err();
            assert_eq!(e.field, f);
            assert!(e.message.contains(needle), "{bad}: {e}");
        }
        let errors = form("-1", "x", "0").parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["inbound_trunks", "outbound_trunks"],
            "every bad count is named"
        );
    }
}
