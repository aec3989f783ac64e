use crate::FieldError;
use serde::Serialize;

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

    pub fn parse(inbound: &str, outbound: &str, twoway: &str) -> Result<Self, FieldError> {
        Ok(Self {
            inbound: Self::parse_count("inbound_trunks", inbound)?,
            outbound: Self::parse_count("outbound_trunks", outbound)?,
            twoway: Self::parse_count("twoway_trunks", twoway)?,
        })
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

    #[test]
    fn capacity_adds_two_way_to_each_direction() {
        let t = TrunkLimits::parse("4", "2", "3").unwrap();
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
        assert_eq!(
            TrunkLimits::parse("1", "x", "0").unwrap_err().field,
            "outbound_trunks"
        );
    }
}
